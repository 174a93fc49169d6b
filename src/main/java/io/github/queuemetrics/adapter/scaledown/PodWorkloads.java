package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import java.util.Map;
import java.util.Optional;

/**
 * Which guarded workload a pod belongs to. <b>Owner references first</b>: the controllers set them,
 * and they cannot be fooled by overlapping selectors. A StatefulSet owns its pods directly; a
 * Deployment owns a ReplicaSet named {@code <deployment>-<pod-template-hash>} (the Deployment
 * controller's naming, with the hash also in the pod's {@code pod-template-hash} label), so no read
 * of the ReplicaSet (and no RBAC for it) is needed. A pod with an owner that is not guarded is not
 * guarded. Only a pod with no owner at all (made by hand) is matched against the guarded workloads'
 * selectors in its namespace (and, for a StatefulSet, its name pattern). Blocking.
 */
final class PodWorkloads {

    static final String POD_TEMPLATE_HASH = "pod-template-hash";

    /** The pod's workload and how it was found (for messages). */
    record Found(Workload workload, String how) {
    }

    private PodWorkloads() {
    }

    static Optional<Found> of(ScaleDownConfig config, WorkloadCluster cluster, String namespace, PodFacts pod) {
        for (Owner owner : pod.owners()) {
            if ("StatefulSet".equals(owner.kind())) {
                return config.workload(WorkloadKind.STATEFUL_SET, namespace, owner.name())
                        .map(w -> new Found(w, "owner StatefulSet " + owner.name()));
            }
            String hash = pod.labels().get(POD_TEMPLATE_HASH);
            if ("ReplicaSet".equals(owner.kind()) && hash != null && owner.name().endsWith("-" + hash)) {
                String deployment = owner.name().substring(0, owner.name().length() - hash.length() - 1);
                return config.workload(WorkloadKind.DEPLOYMENT, namespace, deployment)
                        .map(w -> new Found(w, "owner ReplicaSet " + owner.name() + " of Deployment " + deployment));
            }
        }
        if (!pod.owners().isEmpty()) {
            return Optional.empty();
        }
        String name = pod.state().name();
        for (Workload w : config.workloads()) {
            if (!w.namespace().equals(namespace)) {
                continue;
            }
            Optional<Map<String, String>> selector = w.kind() == WorkloadKind.STATEFUL_SET
                    ? cluster.statefulSet(namespace, w.name()).filter(s -> Victims.ordinal(w.name(), name) >= 0)
                    .map(WorkloadCluster.StatefulSetShape::selector)
                    : cluster.deployment(namespace, w.name()).map(WorkloadCluster.DeploymentShape::selector);
            if (selector.isPresent() && !selector.get().isEmpty()
                    && pod.labels().entrySet().containsAll(selector.get().entrySet())) {
                return Optional.of(new Found(w, "selector of " + w.describe() + " (the pod has no owner)"));
            }
        }
        return Optional.empty();
    }
}
