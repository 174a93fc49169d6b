package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.StatefulSetShape;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The decision for a scale update of a guarded StatefulSet. Blocking (Kubernetes and broker round
 * trips): runs on the worker pool. Idempotent: everything it needs to continue a drain is on the
 * pods, so each review (the HPA asks every 15 s) picks up where the last one, or another adapter
 * replica, left off.
 *
 * <ul>
 *   <li>Scale-up or unchanged: allowed; drains of pods that stay are undone in the background.</li>
 *   <li>Scale-down N to M: the victims are the highest ordinals. Each victim whose pod runs and
 *       whose worker is alive is drained first (annotation, then {@code cancel_consumer} for every
 *       queue it consumes), then asked what it runs. Allowed once every victim is idle, or once
 *       drainTimeout has passed since the earliest drain; denied otherwise, naming what runs.</li>
 *   <li>Dry run: the same answer from what the workers run now, without draining or undoing.</li>
 * </ul>
 */
public final class StatefulSetReviewer {

    private final WorkloadCluster cluster;
    private final DrainMarks marks;
    private final Executor background;
    private final DrainUndo undo;
    private final VictimDrain drain;
    private final WorkerChecks checks;

    /** @param checks where the review's questions to the workers go ({@link WorkerChecks#forReviews}) */
    public StatefulSetReviewer(WorkloadCluster cluster, Duration drainTimeout, DrainMarks marks, Executor background,
                               ScaleDownMetrics metrics, Clock clock, WorkerChecks checks) {
        this.cluster = cluster;
        this.marks = marks;
        this.background = background;
        this.undo = new DrainUndo(cluster, marks, metrics);
        this.checks = checks;
        this.drain = new VictimDrain(cluster, drainTimeout, marks, metrics, clock, checks);
    }

    public Decision review(ScaleRequest request, Workload workload, WorkerControl workers) {
        String ns = request.namespace();
        Optional<StatefulSetShape> found = cluster.statefulSet(ns, request.name());
        if (found.isEmpty()) {
            return Decision.allow(request.workload() + ": not found, nothing to drain");
        }
        StatefulSetShape shape = found.get();
        int from = request.oldReplicas().orElse(shape.replicas());
        int to = request.newReplicas();
        Map<String, PodState> pods = cluster.pods(ns, shape);
        if (!request.dryRun()) {
            undoStaying(request, workload, workers, shape, pods, to);
        }
        if (to >= from) {
            if (!request.dryRun()) {
                checks.forget(VictimDrain.keyPrefix(request)); // what they said of their drains is undone
            }
            return Decision.allow(ReviewMessages.notAScaleDown(request.workload(), from, to));
        }
        return drain.decide(request, workload, workers, from, to,
                Victims.statefulSet(shape.name(), shape.ordinalsStart(), from, to), pods);
    }

    /**
     * Pods that stay ([start, start + to)) get their queues back and lose their marks, in the
     * background. The in-memory mark goes for every ordinal in the range, also for a pod that does
     * not exist (yet): a scale-up re-creates a removed pod under the same name, and it must not read
     * as draining.
     */
    private void undoStaying(ScaleRequest request, Workload workload, WorkerControl workers, StatefulSetShape shape,
                             Map<String, PodState> pods, int to) {
        for (int ordinal = shape.ordinalsStart(); ordinal < shape.ordinalsStart() + to; ordinal++) {
            String name = shape.name() + "-" + ordinal;
            PodState pod = pods.get(name);
            if (pod == null || pod.drain().isEmpty()) {
                marks.undrained(request.namespace(), name);
                continue;
            }
            DrainMark mark = pod.drain().get();
            background.execute(() -> undo.undo(workload, workers, name, mark, "it stays at " + to + " replicas"));
        }
    }
}
