package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link PodLookup} through fabric8: one GET of the pod. */
public final class KubernetesPodLookup implements PodLookup {

    private final KubernetesClient client;

    public KubernetesPodLookup(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<PodFacts> pod(String namespace, String name) {
        Pod pod = client.pods().inNamespace(namespace).withName(name).get();
        if (pod == null || pod.getMetadata() == null) {
            return Optional.empty();
        }
        var meta = pod.getMetadata();
        boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
        List<Owner> owners = meta.getOwnerReferences() == null ? List.of() : meta.getOwnerReferences().stream()
                .map(o -> new Owner(String.valueOf(o.getKind()), String.valueOf(o.getName()))).toList();
        return Optional.of(new PodFacts(new PodState(name, running, DrainAnnotations.read(meta.getAnnotations())),
                meta.getLabels() == null ? Map.of() : meta.getLabels(), owners));
    }
}
