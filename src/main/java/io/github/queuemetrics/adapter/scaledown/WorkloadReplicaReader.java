package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a guarded workload's replica counts (through {@link WorkloadInformers}: their watch cache,
 * else a GET) and the queue its HPA scales on (a LIST of the namespace's HPAs). Blocking; an API
 * failure throws.
 */
final class WorkloadReplicaReader {

    /** What {@link #read} found. {@code queue} is "" when no HPA with an External metric targets the workload. */
    record Replicas(int current, int desired, String queue) {
    }

    private final KubernetesClient client;
    private final WorkloadInformers reads;

    /** Reads the workloads with a GET every time. */
    WorkloadReplicaReader(KubernetesClient client) {
        this(client, new WorkloadInformers(client, List.of()));
    }

    WorkloadReplicaReader(KubernetesClient client, WorkloadInformers reads) {
        this.client = client;
        this.reads = reads;
    }

    /** {@code .status.replicas} and {@code .spec.replicas} (1 when unset, as the API server defaults it); empty when it does not exist. */
    Optional<Replicas> read(Workload workload, List<HorizontalPodAutoscaler> hpas) {
        Integer current;
        Integer desired;
        if (workload.kind() == WorkloadKind.STATEFUL_SET) {
            var set = reads.statefulSet(workload.namespace(), workload.name());
            if (set == null) {
                return Optional.empty();
            }
            current = set.getStatus() == null ? null : set.getStatus().getReplicas();
            desired = set.getSpec() == null ? null : set.getSpec().getReplicas();
        } else {
            var deployment = reads.deployment(workload.namespace(), workload.name());
            if (deployment == null) {
                return Optional.empty();
            }
            current = deployment.getStatus() == null ? null : deployment.getStatus().getReplicas();
            desired = deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
        }
        return Optional.of(new Replicas(current == null ? 0 : current, desired == null ? 1 : desired,
                queueOf(workload, hpas)));
    }

    /** The autoscaling/v2 HPAs of {@code namespace}. */
    List<HorizontalPodAutoscaler> hpas(String namespace) {
        return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace).list().getItems();
    }

    /**
     * The {@code queue} label of the External metric's selector of the HPA whose scaleTargetRef is
     * {@code workload} (the first such metric; the adapter's metrics select a queue this way), else "".
     */
    static String queueOf(Workload workload, List<HorizontalPodAutoscaler> hpas) {
        for (HorizontalPodAutoscaler hpa : hpas) {
            var spec = hpa.getSpec();
            if (spec == null || spec.getScaleTargetRef() == null
                    || !workload.kind().configName().equals(spec.getScaleTargetRef().getKind())
                    || !workload.name().equals(spec.getScaleTargetRef().getName())) {
                continue;
            }
            for (MetricSpec metric : Objects.requireNonNullElse(spec.getMetrics(), List.<MetricSpec>of())) {
                if (!"External".equals(metric.getType()) || metric.getExternal() == null
                        || metric.getExternal().getMetric() == null
                        || metric.getExternal().getMetric().getSelector() == null) {
                    continue;
                }
                Map<String, String> labels = metric.getExternal().getMetric().getSelector().getMatchLabels();
                if (labels != null && labels.containsKey("queue")) {
                    return labels.get("queue");
                }
            }
        }
        return "";
    }
}
