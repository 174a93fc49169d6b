package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.ReviewMessages.Busy;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.StatefulSetShape;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(StatefulSetReviewer.class);

    private final WorkloadCluster cluster;
    private final Duration drainTimeout;
    private final DrainMarks marks;
    private final Executor background;
    private final ScaleDownMetrics metrics;
    private final DrainUndo undo;
    private final Clock clock;

    public StatefulSetReviewer(WorkloadCluster cluster, Duration drainTimeout, DrainMarks marks, Executor background,
                               ScaleDownMetrics metrics, Clock clock) {
        this.cluster = cluster;
        this.drainTimeout = drainTimeout;
        this.marks = marks;
        this.background = background;
        this.metrics = metrics;
        this.undo = new DrainUndo(cluster, marks, metrics);
        this.clock = clock;
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
            return Decision.allow(ReviewMessages.notAScaleDown(request.workload(), from, to));
        }
        List<String> victims = Victims.statefulSet(shape.name(), shape.ordinalsStart(), from, to);
        List<String> live = new ArrayList<>();
        List<String> holdNothing = new ArrayList<>();
        for (String pod : victims) {
            PodState state = pods.get(pod);
            // A pod that is not running, or whose worker is gone, holds nothing.
            if (state == null) {
                holdNothing.add(ReviewMessages.noPod(pod));
            } else if (!state.running()) {
                holdNothing.add(ReviewMessages.notRunning(pod));
            } else if (!workers.alive(workload.workerOf(pod))) {
                holdNothing.add(ReviewMessages.workerGone(pod, workload.workerOf(pod)));
            } else {
                live.add(pod);
            }
        }
        Instant now = clock.instant();
        Instant since = now;
        List<String> answered = new ArrayList<>();
        for (String pod : live) {
            Optional<DrainMark> mark = pods.get(pod).drain();
            if (mark.isPresent() && mark.get().since().isBefore(since)) {
                since = mark.get().since();
            }
            // A worker that does not answer is not asked again in this review: every unanswered
            // call costs a reply timeout of the second the answer has.
            Optional<List<String>> consumed = workers.consumedQueues(workload.workerOf(pod));
            if (consumed.isPresent()) {
                answered.add(workload.workerOf(pod));
            }
            if (!request.dryRun()) {
                drain(request, workload, workers, pod, mark, consumed.orElse(List.of()), now);
            }
        }
        Map<String, WorkerLoad> loads = workers.loads(answered);
        List<Busy> busy = new ArrayList<>();
        for (String pod : live) {
            WorkerLoad load = loads.get(workload.workerOf(pod));
            if (load == null || !load.idle()) {
                busy.add(new Busy(pod, workload.workerOf(pod), load)); // null load: did not answer
            }
        }
        if (busy.isEmpty()) {
            return Decision.allow(ReviewMessages.allowed(request.workload(), from, to, live, holdNothing));
        }
        if (!now.isBefore(since.plus(drainTimeout))) {
            Decision decision = Decision.drainTimedOut(ReviewMessages.timedOut(request.workload(), from, to, busy,
                    since, drainTimeout));
            if (!request.dryRun()) {
                event(request, true, "ScaleDownDrainTimeout", decision.message());
            }
            return decision;
        }
        return Decision.deny(ReviewMessages.denied(request.workload(), from, to, busy, since, drainTimeout, now,
                request.dryRun()));
    }

    /**
     * Makes the victim's worker stop taking tasks. The annotation is written before the
     * {@code cancel_consumer}, so whoever continues knows which queues to give back. {@code consumed}
     * is asked every review, so a queue it consumes again (restart) is drained too.
     */
    private void drain(ScaleRequest request, Workload workload, WorkerControl workers, String pod,
                       Optional<DrainMark> mark, List<String> consumed, Instant now) {
        String worker = workload.workerOf(pod);
        Set<String> queues = new LinkedHashSet<>(mark.map(DrainMark::queues).orElse(List.of()));
        queues.addAll(consumed);
        Instant since = mark.map(DrainMark::since).orElse(now);
        // Written on every review: drain-asked-at tells the undo loop that a scale-down still wants the pod.
        cluster.markDraining(request.namespace(), pod, new DrainMark(since, List.copyOf(queues), now));
        if (!consumed.isEmpty()) {
            workers.stopConsuming(worker, consumed);
            if (mark.isEmpty()) {
                metrics.drainStarted(workload);
                LOG.info("{}: draining pod {} (worker {}): stopped consuming {}", request.workload(), pod, worker,
                        consumed);
                event(request, false, "ScaleDownDraining", "pod " + pod + " (worker " + worker
                        + ") takes no new tasks from " + String.join(", ", consumed)
                        + "; the scale-down waits until it is idle");
            }
        }
        marks.draining(request.namespace(), pod, worker, request.workload(), since, now);
    }

    /** An event on the workload; failing to record it does not change the decision. */
    private void event(ScaleRequest request, boolean warning, String reason, String message) {
        try {
            cluster.event(request.namespace(), request.kind().configName(), request.name(), warning, reason, message);
        } catch (RuntimeException e) {
            LOG.warn("{}: could not record the event {}: {}", request.workload(), reason, e.toString());
        }
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
