package io.github.queuemetrics.adapter.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated {@code scaleDown:} section: which workloads the pre-scale-down hook guards.
 *
 * @param drainTimeout the longest a scale-down waits for busy workers; then it is allowed
 * @param undoAfter    a drain that no scale-down asks for again within this is undone
 * @param workloads    the guarded workloads, at least one
 */
public record ScaleDownConfig(Duration drainTimeout, Duration undoAfter, List<Workload> workloads) {

    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_UNDO_AFTER = Duration.ofSeconds(45);

    public ScaleDownConfig {
        workloads = List.copyOf(workloads);
    }

    /**
     * One guarded workload.
     *
     * @param kind       StatefulSet or Deployment
     * @param namespace  its namespace
     * @param name       its name
     * @param source     the source (with {@code workers:}) whose workers run in its pods
     * @param workerName the worker's name for a pod, with {@code {pod}} in it; defaults to the
     *                   source's {@code podWorkerTemplate} (celery@{pod} for Celery, {pod} for RQ)
     */
    public record Workload(WorkloadKind kind, String namespace, String name, String source, String workerName) {

        /** The worker name of {@code pod}. */
        public String workerOf(String pod) {
            return workerName.replace("{pod}", pod);
        }

        /** "StatefulSet workers/short-running-workers", for messages and logs. */
        public String describe() {
            return kind.configName() + " " + namespace + "/" + name;
        }
    }

    /** The workload of that kind, namespace and name, if it is guarded. */
    public Optional<Workload> workload(WorkloadKind kind, String namespace, String name) {
        return workloads.stream()
                .filter(w -> w.kind() == kind && w.namespace().equals(namespace) && w.name().equals(name))
                .findFirst();
    }
}
