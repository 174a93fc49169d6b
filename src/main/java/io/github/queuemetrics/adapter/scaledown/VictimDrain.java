package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.ReviewMessages.Busy;
import io.github.queuemetrics.adapter.scaledown.WorkerChecks.Check;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a scale-down review common to every workload kind, once the victims are known: each
 * victim whose pod runs and whose worker is alive is drained (annotation, then stop consuming),
 * then asked what it holds; allowed once all are idle or drainTimeout has passed, denied otherwise.
 * Blocking.
 */
final class VictimDrain {

    private static final Logger LOG = LoggerFactory.getLogger(VictimDrain.class);
    /** Facts a check keeps for {@link #stillHolds}: each victim's drain start, each worker's process. */
    private static final String DRAIN_FACT = "drain-since:";
    private static final String INCARNATION_FACT = "incarnation:";

    private final WorkloadCluster cluster;
    private final Duration drainTimeout;
    private final DrainMarks marks;
    private final ScaleDownMetrics metrics;
    private final Clock clock;
    private final DrainEnds ends;
    private final WorkerChecks checks;

    VictimDrain(WorkloadCluster cluster, Duration drainTimeout, DrainMarks marks, ScaleDownMetrics metrics,
                Clock clock, WorkerChecks checks) {
        this.cluster = cluster;
        this.drainTimeout = drainTimeout;
        this.marks = marks;
        this.metrics = metrics;
        this.clock = clock;
        this.ends = new DrainEnds(cluster, metrics);
        this.checks = checks;
    }

    /** The decision for removing {@code victims} (pod names; {@code pods} is what exists). */
    Decision decide(ScaleRequest request, Workload workload, WorkerControl workers, int from, int to,
                    List<String> victims, Map<String, PodState> pods) {
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
        for (String pod : live) {
            Optional<DrainMark> mark = pods.get(pod).drain();
            if (mark.isPresent() && mark.get().since().isBefore(since)) {
                since = mark.get().since();
            }
        }
        Map<String, WorkerLoad> loads = live.isEmpty() ? Map.of() : checks.get(checkKey(request, live),
                () -> check(request, workload, workers, live, pods, now),
                previous -> stillHolds(previous, request, workload, workers, live, pods),
                previous -> allIdle(previous, workload, live)).loads();
        List<Busy> busy = new ArrayList<>();
        for (String pod : live) {
            WorkerLoad load = loads.get(workload.workerOf(pod));
            if (load == null || !load.idle()) {
                busy.add(new Busy(pod, workload.workerOf(pod), load)); // null load: did not answer
            }
        }
        if (busy.isEmpty()) {
            ended(request, workload, live, pods, now);
            return Decision.allow(ReviewMessages.allowed(request.workload(), from, to, live, holdNothing));
        }
        if (!now.isBefore(since.plus(drainTimeout))) {
            Decision decision = Decision.drainTimedOut(ReviewMessages.timedOut(request.workload(), from, to, busy,
                    since, drainTimeout));
            if (!request.dryRun()) {
                event(request, true, "ScaleDownDrainTimeout", decision.message());
            }
            ended(request, workload, live, pods, now);
            return decision;
        }
        return Decision.deny(ReviewMessages.denied(request.workload(), from, to, busy, since, drainTimeout, now,
                request.dryRun()));
    }

    /** One key per workload, kind of run and set of victims: a check answers only the question it asked. */
    static String checkKey(ScaleRequest request, List<String> live) {
        return keyPrefix(request) + (request.dryRun() ? "dry-run|" : "drain|") + String.join(",", live);
    }

    /** What {@link WorkerChecks#forget} takes to drop every check of the request's workload. */
    static String keyPrefix(ScaleRequest request) {
        return request.workload() + "|";
    }

    /**
     * The broker part of a review: every victim in one question, then (not for a dry run) drained,
     * then asked what it holds. A worker that does not answer the first question is not asked
     * again: every unanswered call costs a reply timeout. Loads are keyed by worker; the facts keep
     * each victim's drain start and each worker's incarnation, for {@link #stillHolds}.
     */
    private Check check(ScaleRequest request, Workload workload, WorkerControl workers, List<String> live,
                        Map<String, PodState> pods, Instant now) {
        Map<String, List<String>> consumedByWorker = workers.consumedQueues(live.stream().map(workload::workerOf)
                .toList());
        List<String> answered = new ArrayList<>();
        Map<String, String> facts = new HashMap<>();
        for (String pod : live) {
            String worker = workload.workerOf(pod);
            List<String> consumed = consumedByWorker.get(worker);
            if (consumed != null) {
                answered.add(worker);
            }
            if (!request.dryRun()) {
                facts.put(DRAIN_FACT + pod, drain(request, workload, workers, pod, pods.get(pod).drain(),
                        consumed == null ? List.of() : consumed, now).toString());
            }
            workers.incarnation(worker).ifPresent(i -> facts.put(INCARNATION_FACT + worker, i));
        }
        return new Check(workers.loads(answered), facts, clock.instant());
    }

    /** Every live victim answered and holds nothing. */
    private static boolean allIdle(Check check, Workload workload, List<String> live) {
        for (String pod : live) {
            WorkerLoad load = check.loads().get(workload.workerOf(pod));
            if (load == null || !load.idle()) {
                return false;
            }
        }
        return true;
    }

    /**
     * An earlier check answers this review only while what it saw still stands: each victim still
     * carries the drain the check made or found (not undone by a scale-up on another replica, not
     * a new drain), and each worker is the same process (a restarted worker consumes its queues
     * again). Once drained, a worker takes no new task, so an idle one stays idle.
     */
    private static boolean stillHolds(Check previous, ScaleRequest request, Workload workload, WorkerControl workers,
                                      List<String> live, Map<String, PodState> pods) {
        for (String pod : live) {
            String worker = workload.workerOf(pod);
            if (!Objects.equals(previous.facts().get(INCARNATION_FACT + worker),
                    workers.incarnation(worker).orElse(null))) {
                return false;
            }
            if (!request.dryRun() && !Objects.equals(previous.facts().get(DRAIN_FACT + pod),
                    pods.get(pod).drain().map(m -> m.since().toString()).orElse(null))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the victim's worker stop taking tasks. The annotation is written before the
     * {@code cancel_consumer}, so whoever continues knows which queues to give back. {@code consumed}
     * is asked every review, so a queue it consumes again (restart) is drained too.
     */
    private Instant drain(ScaleRequest request, Workload workload, WorkerControl workers, String pod,
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
        return since;
    }

    /** The scale-down that wanted the live victims is allowed: their drains end now (not for a dry run: it drained nothing). */
    private void ended(ScaleRequest request, Workload workload, List<String> live, Map<String, PodState> pods,
                       Instant now) {
        if (request.dryRun()) {
            return;
        }
        for (String pod : live) {
            Optional<DrainMark> before = pods.get(pod).drain();
            ends.ended(workload, pod, before, before.map(DrainMark::since).orElse(now), now);
        }
    }

    /** An event on the workload; failing to record it does not change the decision. */
    void event(ScaleRequest request, boolean warning, String reason, String message) {
        try {
            cluster.event(request.namespace(), request.kind().configName(), request.name(), warning, reason, message);
        } catch (RuntimeException e) {
            LOG.warn("{}: could not record the event {}: {}", request.workload(), reason, e.toString());
        }
    }

}
