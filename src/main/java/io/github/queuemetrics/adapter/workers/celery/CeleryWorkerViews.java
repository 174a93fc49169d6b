package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What is known about a source's Celery workers: their liveness from the event stream (the
 * registry) and what they answered to the poller's broadcasts (one {@link WorkerView} each).
 * The poller writes the views; probes and {@code /metrics} read them. Reads take no lock: the
 * registry and the view map are concurrent, and a view is replaced whole.
 */
final class CeleryWorkerViews {

    /** A worker that neither heartbeats nor answers is forgotten this long after its last answer. */
    private static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    private final CeleryWorkerRegistry registry;
    private final Duration staleAfter;
    private final Map<String, WorkerView> views = new ConcurrentHashMap<>();
    private volatile Instant lastRefresh;

    CeleryWorkerViews(CeleryWorkerRegistry registry, Duration staleAfter) {
        this.registry = registry;
        this.staleAfter = staleAfter;
    }

    CeleryWorkerRegistry registry() {
        return registry;
    }

    /** The views by worker; the poller's to change, everyone else's to read. */
    Map<String, WorkerView> views() {
        return views;
    }

    void refreshed(Instant now) {
        lastRefresh = now;
    }

    /** Forgets workers that neither heartbeat nor answered this poll, and whose last answer is old. */
    void forgetIdle(Set<String> heartbeating, Set<String> answered, Instant now) {
        views.entrySet().removeIf(e -> !heartbeating.contains(e.getKey()) && !answered.contains(e.getKey())
                && e.getValue().answeredAt().plus(FORGET_AFTER).isBefore(now));
    }

    /** Workers whose heartbeats say they are alive now. */
    Set<String> heartbeating(Instant now) {
        Set<String> alive = new TreeSet<>();
        for (CeleryWorkerState state : registry.workers()) {
            if (state.aliveAt(now)) {
                alive.add(state.nodename());
            }
        }
        return alive;
    }

    /** The worker's pid from its heartbeats; null without them. */
    Long pid(String worker) {
        return registry.worker(worker).map(CeleryWorkerState::pid).orElse(null);
    }

    /** False when the worker's heartbeats name another pid than it had when it answered (a restart). */
    boolean samePid(WorkerView view, String worker) {
        Long pid = pid(worker);
        return pid == null || view.pid() == null || pid.equals(view.pid());
    }

    /** True while the worker has sent no more than its online event and first heartbeat. */
    boolean justStarted(String worker) {
        return registry.worker(worker).map(w -> w.heartbeats() <= 2).orElse(false);
    }

    /**
     * Whether a worker counts now: it answered this poll; else a worker that heartbeats follows
     * its heartbeats (alive for two periods after the last one, gone at once when offline); a
     * worker without heartbeats counts while its last answer is younger than staleAfter.
     */
    boolean live(String worker, Set<String> answered, Instant now) {
        if (answered.contains(worker)) {
            return true;
        }
        CeleryWorkerState state = registry.worker(worker).orElse(null);
        if (state != null && (state.lastHeartbeat() != null || state.offlineAt() != null)) {
            return state.aliveAt(now);
        }
        WorkerView view = views.get(worker);
        return view != null && !view.answeredAt().plus(staleAfter).isBefore(now);
    }

    ProbeResult probe(String worker, Instant now) {
        CeleryWorkerState state = registry.worker(worker).orElse(null);
        WorkerView view = views.get(worker);
        if (state == null && view == null) {
            return ProbeResult.notReady("unknown worker " + worker + ": no heartbeat seen");
        }
        if (!live(worker, Set.of(), now)) {
            if (state != null && state.offlineAt() != null) {
                return ProbeResult.notReady("worker " + worker + " went offline at " + state.offlineAt());
            }
            if (state == null || state.lastHeartbeat() == null) {
                return ProbeResult.notReady("worker " + worker + " sends no heartbeats and has not answered for "
                        + staleAfter.toSeconds() + "s");
            }
            return ProbeResult.notReady("worker " + worker + " is silent: last heartbeat "
                    + Duration.between(state.lastHeartbeat(), now).toSeconds() + "s ago");
        }
        Instant refreshed = lastRefresh;
        if (view == null || refreshed == null || refreshed.plus(staleAfter).isBefore(now)) {
            return ProbeResult.notReady("worker " + worker + " is alive but the adapter has no fresh "
                    + "answer from it to 'active_queues'");
        }
        // Name the cancelled queues first: "consumes no queue" alone would hide which queue the
        // worker was drained from when cancel_consumer removed its only one.
        Set<String> dropped = new TreeSet<>(view.firstQueues());
        dropped.removeAll(view.queues());
        if (!dropped.isEmpty()) {
            return ProbeResult.notReady("worker " + worker + " no longer consumes " + String.join(", ", dropped)
                    + " (drained by cancel_consumer)");
        }
        if (view.queues().isEmpty()) {
            return ProbeResult.notReady("worker " + worker + " consumes no queue (drained)");
        }
        return ProbeResult.ready("worker " + worker + " alive, consuming " + String.join(", ", new TreeSet<>(
                view.queues())));
    }

    List<WorkerSummary> summaries(Instant now) {
        Set<String> names = new TreeSet<>(views.keySet());
        registry.workers().forEach(w -> names.add(w.nodename()));
        List<WorkerSummary> result = new ArrayList<>();
        for (String name : names) {
            WorkerView view = views.get(name);
            int slots = view == null ? 0 : Math.max(view.slots(), 0);
            int busy = view == null ? 0 : view.active().size();
            result.add(new WorkerSummary(name, live(name, Set.of(), now), busy, slots));
        }
        return result;
    }

    boolean knows(String worker) {
        return views.containsKey(worker) || registry.worker(worker).isPresent();
    }
}
