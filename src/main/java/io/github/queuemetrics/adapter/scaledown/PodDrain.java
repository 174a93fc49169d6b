package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking steps of {@code POST /hooks/pre-stop/{namespace}/{pod}}: {@link #begin} finds the
 * pod's guarded workload and drains its worker as a scale-down drains a victim (annotations first,
 * then Celery {@code cancel_consumer}; RQ: only the mark), {@link #check} asks whether it is idle.
 * drainTimeout counts from the drain's start, so a pod a scale-down already drained keeps its
 * clock. While the wait lasts the mark's {@code drain-asked-at} is refreshed (the undo sweep must
 * not give a terminating pod its queues back). Runs on the worker pool.
 */
final class PodDrain {

    private static final Logger LOG = LoggerFactory.getLogger(PodDrain.class);

    /** Outcomes, as the answer's last line and the metric's label say them. */
    static final String IDLE = "idle";
    static final String TIMEOUT = "timeout";
    static final String NO_POD = "no_pod";
    static final String NOT_GUARDED = "not_guarded";
    static final String NOT_RUNNING = "not_running";
    static final String WORKER_GONE = "worker_gone";
    static final String FAILED_OPEN = "failed_open";

    /** What {@link #begin} and {@link #check} return. */
    sealed interface Step permits Done, Draining, Waiting {
    }

    /** Finished: nothing (more) to wait for. {@code workload} is null when none was found. */
    record Done(String outcome, Workload workload, String message) implements Step {
    }

    /** Still busy: what it runs. */
    record Waiting(String what) implements Step {
    }

    /** A drain in progress; mutable fields only touched by one check at a time. */
    static final class Draining implements Step {
        final String namespace;
        final String pod;
        final Workload workload;
        final WorkerControl workers;
        final String worker;
        final Instant since;
        final Instant deadline;
        final Set<String> queues = new LinkedHashSet<>();
        /** The mark the pod had when the wait began (a scale-down's drain), if any. */
        Optional<DrainMark> before = Optional.empty();
        Instant marked;

        Draining(String namespace, String pod, Workload workload, WorkerControl workers, Instant since,
                 Instant deadline) {
            this.namespace = namespace;
            this.pod = pod;
            this.workload = workload;
            this.workers = workers;
            this.worker = workload.workerOf(pod);
            this.since = since;
            this.deadline = deadline;
        }
    }

    private final PodLookup pods;
    private final WorkloadCluster cluster;
    private final ScaleDownConfig config;
    private final Map<String, WorkerControl> workersBySource;
    private final DrainMarks marks;
    private final ScaleDownMetrics metrics;
    private final Clock clock;
    private final DrainEnds ends;

    PodDrain(PodLookup pods, WorkloadCluster cluster, ScaleDownConfig config, Map<String, WorkerControl> workersBySource,
             DrainMarks marks, ScaleDownMetrics metrics, Clock clock) {
        this.pods = pods;
        this.cluster = cluster;
        this.config = config;
        this.workersBySource = workersBySource;
        this.marks = marks;
        this.metrics = metrics;
        this.clock = clock;
        this.ends = new DrainEnds(cluster, metrics);
    }

    /**
     * Starts draining {@code namespace/pod}: a {@link Draining} to {@link #check}, or {@link Done}
     * at once (no such pod, not guarded, not running, worker gone).
     *
     * @param atMost the caller's own limit (just under the pod's grace period), if it gave one
     */
    Step begin(String namespace, String pod, Optional<Duration> atMost) {
        String what = "pod " + namespace + "/" + pod;
        Optional<PodFacts> facts = pods.pod(namespace, pod);
        if (facts.isEmpty()) {
            return new Done(NO_POD, null, what + " does not exist: nothing to wait for");
        }
        Optional<PodWorkloads.Found> found = PodWorkloads.of(config, cluster, namespace, facts.get());
        if (found.isEmpty()) {
            return new Done(NOT_GUARDED, null, what + " belongs to no workload in scaleDown.workloads (owners "
                    + facts.get().owners() + "): nothing to wait for");
        }
        Workload workload = found.get().workload();
        String where = what + " of " + workload.describe() + " (" + found.get().how() + ")";
        WorkerControl workers = workersBySource.get(workload.source());
        if (workers == null) {
            throw new IllegalStateException("the workers of source " + workload.source() + " cannot be reached");
        }
        if (!facts.get().state().running()) {
            return new Done(NOT_RUNNING, workload, where + " is not running: it holds nothing");
        }
        String worker = workload.workerOf(pod);
        if (!workers.alive(worker)) {
            return new Done(WORKER_GONE, workload, where + ": worker " + worker
                    + " sends no heartbeats (gone): it holds nothing");
        }
        Instant now = clock.instant();
        Optional<DrainMark> mark = facts.get().state().drain();
        Instant since = mark.map(DrainMark::since).orElse(now);
        Instant deadline = since.plus(config.drainTimeout());
        if (atMost.isPresent() && now.plus(atMost.get()).isBefore(deadline)) {
            deadline = now.plus(atMost.get());
        }
        Draining drain = new Draining(namespace, pod, workload, workers, since, deadline);
        mark.ifPresent(m -> drain.queues.addAll(m.queues()));
        drain.before = mark;
        mark(drain, now, mark.isEmpty());
        return drain;
    }

    /** The worker's state now: {@link Done} once it is idle, gone or the deadline passed, else its load (null: no answer). */
    Step check(Draining drain) {
        Instant now = clock.instant();
        if (!drain.workers.alive(drain.worker)) {
            return new Done(WORKER_GONE, drain.workload, "worker " + drain.worker + " of pod "
                    + drain.pod + " is gone");
        }
        // A third of undoAfter: the sweep undoes drains not asked for within undoAfter.
        if (!now.isBefore(drain.marked.plus(config.undoAfter().dividedBy(3)))) {
            mark(drain, now, false);
        }
        WorkerLoad load = drain.workers.loads(List.of(drain.worker)).get(drain.worker);
        if (load != null && load.idle()) {
            ends.ended(drain.workload, drain.pod, drain.before, drain.since, now);
            return new Done(IDLE, drain.workload, "worker " + drain.worker + " of pod " + drain.pod
                    + " is idle after " + seconds(drain.since, now));
        }
        if (!now.isBefore(drain.deadline)) {
            String message = "pod " + drain.pod + " (worker " + drain.worker + ") still " + describe(load)
                    + " after " + seconds(drain.since, now) + "; stopped waiting (drainTimeout "
                    + config.drainTimeout() + " from the drain's start, or the caller's limit)";
            metrics.drainTimedOut(drain.workload);
            ends.ended(drain.workload, drain.pod, drain.before, drain.since, now);
            event(drain, true, "PreStopDrainTimeout", message);
            return new Done(TIMEOUT, drain.workload, message);
        }
        return new Waiting("worker " + drain.worker + " " + describe(load));
    }

    /** The wait ended (any way): the in-memory mark goes, so a StatefulSet pod of the same name reads ready. */
    void finished(Draining drain) {
        marks.undrained(drain.namespace, drain.pod);
    }

    /** Annotation first, then stop consuming, as {@link VictimDrain} does: whoever continues knows what to give back. */
    private void mark(Draining drain, Instant now, boolean first) {
        List<String> consumed = drain.workers.consumedQueues(drain.worker).orElse(List.of());
        drain.queues.addAll(consumed);
        cluster.markDraining(drain.namespace, drain.pod, new DrainMark(drain.since, List.copyOf(drain.queues), now));
        if (!consumed.isEmpty()) {
            drain.workers.stopConsuming(drain.worker, consumed);
        }
        drain.marked = now;
        marks.draining(drain.namespace, drain.pod, drain.worker, drain.workload.describe() + " pre-stop",
                drain.since, now);
        if (first) {
            metrics.drainStarted(drain.workload);
            String message = "pod " + drain.pod + " (worker " + drain.worker + ") is terminating: it takes no new "
                    + "tasks" + (consumed.isEmpty() ? "" : " from " + String.join(", ", consumed))
                    + "; its preStop hook waits until it is idle";
            LOG.info("{}: {}", drain.workload.describe(), message);
            event(drain, false, "PreStopDraining", message);
        }
    }

    private void event(Draining drain, boolean warning, String reason, String message) {
        try {
            cluster.event(drain.namespace, drain.workload.kind().configName(), drain.workload.name(), warning, reason,
                    message);
        } catch (RuntimeException e) {
            LOG.warn("{}: could not record the event {}: {}", drain.workload.describe(), reason, e.toString());
        }
    }

    static String describe(WorkerLoad load) {
        if (load == null) {
            return "did not answer";
        }
        StringBuilder out = new StringBuilder("runs ");
        out.append(load.running().isEmpty() ? "nothing" : String.join(", ", load.running().stream()
                .map(t -> t.name() + "[" + t.id() + "]").toList()));
        if (load.prefetched() > 0) {
            out.append(" and holds ").append(load.prefetched()).append(" prefetched");
        }
        return out.toString();
    }

    private static String seconds(Instant from, Instant to) {
        return Duration.between(from, to).toSeconds() + " s";
    }
}
