package io.github.queuemetrics.adapter.workers.rq;

import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.UtilizationWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The adapter's picture of the RQ workers of one source: per-queue workers_total / workers_busy /
 * workers_utilization after each poll, and the readiness probe answer per worker.
 *
 * <p>{@link #update} runs on the poller's thread after each successful {@link RqWorkerReader#read()};
 * {@link #probe} and {@link #queue} may be called from any thread (an event loop included): they
 * read an immutable state published through a volatile field and do no I/O.
 */
public final class RqWorkerView {

    /** Default: how old the last poll may be before probes stop vouching for workers. */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(30);
    public static final Duration DEFAULT_UTILIZATION_WINDOW = Duration.ofSeconds(60);

    private record State(RqWorkerPoll poll, Map<String, RqWorkerInfo> byName, Map<String, RqQueueWorkers> queues) {
    }

    private final RqLivenessRules rules;
    private final Duration utilizationWindow;
    private final Duration staleAfter;
    /** Only touched by update() (the poller thread). */
    private final Map<String, UtilizationWindow> windows = new HashMap<>();
    private volatile State state;

    public RqWorkerView() {
        this(RqLivenessRules.DEFAULTS, DEFAULT_UTILIZATION_WINDOW, DEFAULT_STALE_AFTER);
    }

    public RqWorkerView(RqLivenessRules rules, Duration utilizationWindow, Duration staleAfter) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.utilizationWindow = Objects.requireNonNull(utilizationWindow, "utilizationWindow");
        this.staleAfter = Objects.requireNonNull(staleAfter, "staleAfter");
    }

    /**
     * Takes one poll and computes the metrics of {@code queues} (the source's queues this poll;
     * with a queuePattern they may change from poll to poll). Liveness is judged at the poll's time.
     */
    public synchronized Map<String, RqQueueWorkers> update(RqWorkerPoll poll, Collection<String> queues) {
        Instant at = poll.readAt();
        Map<String, RqWorkerInfo> byName = new HashMap<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (String q : queues) {
            counts.put(q, new int[2]);
        }
        for (RqWorkerInfo w : poll.workers()) {
            byName.put(w.name(), w);
            if (!RqWorkerLiveness.assess(w, poll.suspended(), at, rules).status().live()) {
                continue;
            }
            for (String q : w.queues()) {
                int[] c = counts.get(q);
                if (c != null) {
                    c[0]++;
                    if (w.busy()) {
                        c[1]++;
                    }
                }
            }
        }
        windows.keySet().retainAll(counts.keySet());
        Map<String, RqQueueWorkers> result = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int total = e.getValue()[0];
            int busy = e.getValue()[1];
            UtilizationWindow window = windows.computeIfAbsent(e.getKey(), k -> new UtilizationWindow(utilizationWindow));
            window.add(at, busy, total);
            // No slots during the whole window: nothing was busy, so 0 (workers_total says why).
            double utilization = window.ratio(at).orElse(0.0);
            result.put(e.getKey(), new RqQueueWorkers(e.getKey(), total, busy, utilization));
        }
        Map<String, RqQueueWorkers> published = Map.copyOf(result);
        state = new State(poll, Map.copyOf(byName), published);
        return result;
    }

    /** The metrics of {@code queue} from the last poll, if it was one of the polled queues. */
    public Optional<RqQueueWorkers> queue(String queue) {
        State s = state;
        return s == null ? Optional.empty() : Optional.ofNullable(s.queues().get(queue));
    }

    /** Every worker of the last poll. */
    public java.util.List<RqWorkerInfo> workers() {
        State s = state;
        return s == null ? java.util.List.of() : java.util.List.copyOf(s.byName().values());
    }

    /** The worker as last read, for diagnostics. */
    public Optional<RqWorkerInfo> worker(String name) {
        State s = state;
        return s == null ? Optional.empty() : Optional.ofNullable(s.byName().get(name));
    }

    /** The liveness of {@code workerName} at {@code now}, from the last poll. */
    public Optional<RqWorkerLiveness> liveness(String workerName, Instant now) {
        State s = state;
        if (s == null) {
            return Optional.empty();
        }
        RqWorkerInfo w = s.byName().get(workerName);
        return w == null ? Optional.empty() : Optional.of(RqWorkerLiveness.assess(w, s.poll().suspended(), now, rules));
    }

    /**
     * The readiness probe of {@code /probe/rq/{worker}}: ready only while the worker is alive,
     * registered, heartbeating, not shutting down and not suspended, according to a poll that is
     * at most {@code staleAfter} old. A map lookup and a few comparisons: safe on an event loop.
     */
    public ProbeResult probe(String workerName, Instant now) {
        State s = state;
        if (s == null) {
            return ProbeResult.notReady("rq workers have not been polled yet");
        }
        RqWorkerInfo w = s.byName().get(workerName);
        if (w == null) {
            return ProbeResult.notReady("rq worker " + workerName + " is unknown: not in rq:workers");
        }
        RqWorkerLiveness liveness = RqWorkerLiveness.assess(w, s.poll().suspended(), now, rules);
        if (liveness.status() != RqWorkerLiveness.Status.ALIVE) {
            return ProbeResult.notReady(liveness.reason());
        }
        Duration age = Duration.between(s.poll().readAt(), now);
        if (age.compareTo(staleAfter) > 0) {
            return ProbeResult.notReady("no fresh data on rq worker " + workerName + ": the last successful poll was "
                    + age.toSeconds() + " s ago");
        }
        return ProbeResult.ready(liveness.reason());
    }
}
