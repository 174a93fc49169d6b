package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link WorkloadCluster} through fabric8: the workloads and pods are read through
 * {@link WorkloadInformers} (their watch caches, or GET/LIST while a cache cannot be trusted), the
 * annotations written with JSON merge patches, whose answers the informers wait for before the
 * cache is read again.
 */
public final class KubernetesWorkloadCluster implements WorkloadCluster {

    private final KubernetesClient client;
    private final WorkloadInformers reads;

    /** Reads every time with GET/LIST (no informer started). */
    public KubernetesWorkloadCluster(KubernetesClient client) {
        this(client, new WorkloadInformers(client, List.of()));
    }

    KubernetesWorkloadCluster(KubernetesClient client, WorkloadInformers reads) {
        this.client = client;
        this.reads = reads;
    }

    @Override
    public Optional<StatefulSetShape> statefulSet(String namespace, String name) {
        StatefulSet sts = reads.statefulSet(namespace, name);
        if (sts == null || sts.getSpec() == null) {
            return Optional.empty();
        }
        var spec = sts.getSpec();
        int start = spec.getOrdinals() == null || spec.getOrdinals().getStart() == null ? 0
                : spec.getOrdinals().getStart();
        LabelSelector selector = spec.getSelector();
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of()
                : Map.copyOf(selector.getMatchLabels());
        return Optional.of(new StatefulSetShape(name, spec.getReplicas() == null ? 1 : spec.getReplicas(), start,
                labels));
    }

    @Override
    public Map<String, PodState> pods(String namespace, StatefulSetShape statefulSet) {
        Map<String, PodState> byName = new LinkedHashMap<>();
        for (Pod pod : reads.pods(namespace, statefulSet.selector())) {
            String name = pod.getMetadata().getName();
            if (Victims.ordinal(statefulSet.name(), name) < 0) {
                continue; // another workload's pod under an overlapping selector
            }
            byName.put(name, state(pod));
        }
        return byName;
    }

    @Override
    public Optional<DeploymentShape> deployment(String namespace, String name) {
        var deployment = reads.deployment(namespace, name);
        if (deployment == null || deployment.getSpec() == null) {
            return Optional.empty();
        }
        LabelSelector selector = deployment.getSpec().getSelector();
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of()
                : Map.copyOf(selector.getMatchLabels());
        Integer replicas = deployment.getSpec().getReplicas();
        return Optional.of(new DeploymentShape(name, replicas == null ? 1 : replicas, labels));
    }

    @Override
    public Map<String, PodState> podsMatching(String namespace, Map<String, String> selector) {
        Map<String, PodState> byName = new LinkedHashMap<>();
        for (Pod pod : reads.pods(namespace, selector)) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String name = pod.getMetadata().getName();
            byName.put(name, state(pod));
        }
        return byName;
    }

    /** Running: phase Running, so its worker may hold tasks. */
    private static PodState state(Pod pod) {
        boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return new PodState(pod.getMetadata().getName(), running, DrainAnnotations.read(annotations),
                DrainAnnotations.deletionCost(annotations));
    }

    @Override
    public void setDeletionCost(String namespace, String pod, int cost) {
        patchAnnotations(namespace, pod, new HashMap<>(Map.of(DrainAnnotations.DELETION_COST,
                Integer.toString(cost))));
    }

    @Override
    public void markDraining(String namespace, String pod, DrainMark mark) {
        patchAnnotations(namespace, pod, new HashMap<>(DrainAnnotations.write(mark)));
    }

    @Override
    public void markDrainEnded(String namespace, String pod, DrainMark mark) {
        patchAnnotations(namespace, pod, new HashMap<>(Map.of(DrainAnnotations.ENDED, mark.since().toString())));
    }

    /**
     * Removes the annotations with a JSON patch computed from the pod as read (fabric8's edit): a
     * JSON merge patch with null values deletes them on a real API server, but fabric8's mock
     * server stores the nulls.
     */
    @Override
    public void clearDraining(String namespace, String pod) {
        var resource = client.pods().inNamespace(namespace).withName(pod);
        Pod current = resource.get();
        if (current == null || DrainAnnotations.read(current.getMetadata().getAnnotations()).isEmpty()
                && !hasAny(current.getMetadata().getAnnotations())) {
            return;
        }
        reads.wrote(resource.edit(p -> {
            p.getMetadata().getAnnotations().remove(DrainAnnotations.SINCE);
            p.getMetadata().getAnnotations().remove(DrainAnnotations.QUEUES);
            p.getMetadata().getAnnotations().remove(DrainAnnotations.ASKED);
            p.getMetadata().getAnnotations().remove(DrainAnnotations.ENDED);
            // Only the value the hook sets: a cost someone else chose stays.
            p.getMetadata().getAnnotations().remove(DrainAnnotations.DELETION_COST,
                    Integer.toString(DrainAnnotations.VICTIM_DELETION_COST));
            return p;
        }));
    }

    private static boolean hasAny(Map<String, String> annotations) {
        return annotations != null && (annotations.containsKey(DrainAnnotations.SINCE)
                || annotations.containsKey(DrainAnnotations.QUEUES));
    }

    @Override
    public void event(String namespace, String kind, String name, boolean warning, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Event event = new EventBuilder()
                .withNewMetadata().withName(name + "." + Long.toHexString(System.nanoTime()))
                .withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion("apps/v1").withKind(kind).withName(name)
                .withNamespace(namespace).endInvolvedObject()
                .withType(warning ? "Warning" : "Normal").withReason(reason).withMessage(message)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent("queue-metrics-adapter").endSource()
                .build();
        client.v1().events().inNamespace(namespace).resource(event).create();
    }

    private void patchAnnotations(String namespace, String pod, Map<String, String> annotations) {
        String patch = Serialization.asJson(Map.of("metadata", Map.of("annotations", annotations)));
        reads.wrote(client.pods().inNamespace(namespace).withName(pod)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
    }
}
