package io.github.queuemetrics.adapter.workers.pulp;

import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.UtilizationWindow;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pulp worker tracking ({@code workers: pulp}). The Pulp source reads the workers in the same round
 * trip as the task counts and hands them over with {@link #accept}; {@link #refresh} and the probes
 * only read that.
 *
 * <p>Pulp workers are anonymous: any worker takes any runnable task. So for every item
 * {@code workers_total} is every live worker, {@code workers_busy} the live workers running a task
 * of that item, and {@code workers_utilization} busy / total over the last minute (a Pulp worker
 * runs one task at a time: one slot). The running count itself comes from the source's task
 * counts.
 */
public final class PulpWorkerTracker implements WorkerTracker {

    static final Duration UTILIZATION_WINDOW = Duration.ofMinutes(1);

    private record Read(Instant at, List<PulpWorker> workers) {
    }

    private final Duration maxStaleness;
    private final Map<String, UtilizationWindow> utilization = new ConcurrentHashMap<>();
    /** Written by the poller, read by probes on event loops. */
    private volatile Read last;

    public PulpWorkerTracker(Duration maxStaleness) {
        this.maxStaleness = maxStaleness;
    }

    /** The workers one poll read. */
    public void accept(Instant at, List<PulpWorker> workers) {
        last = new Read(at, List.copyOf(workers));
    }

    @Override
    public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
        Read read = last;
        if (read == null) {
            throw new IllegalStateException("the Pulp source has not read the workers yet");
        }
        List<PulpWorker> live = read.workers().stream().filter(PulpWorker::alive).toList();
        Map<String, QueueWorkers> result = new HashMap<>();
        for (String item : queues) {
            int busy = (int) live.stream().filter(w -> w.busy() && item.equals(w.task().item())).count();
            UtilizationWindow window = utilization.computeIfAbsent(item, i -> new UtilizationWindow(UTILIZATION_WINDOW));
            window.add(now, busy, live.size());
            result.put(item, new QueueWorkers(-1, 0, -1, live.size(), busy, window.ratio(now).orElse(0)));
        }
        utilization.keySet().retainAll(result.keySet());
        return result;
    }

    @Override
    public ProbeResult probe(String worker, Instant now) {
        Read read = last;
        if (read == null) {
            return ProbeResult.notReady("Pulp workers not read yet (the source has not polled successfully)");
        }
        Duration age = Duration.between(read.at(), now);
        if (age.compareTo(maxStaleness) > 0) {
            return ProbeResult.notReady("no fresh Pulp worker data: last read " + age.toSeconds()
                    + " s ago (maxStaleness " + maxStaleness.toSeconds() + " s); see /readyz");
        }
        Optional<PulpWorker> found = PulpWorkers.find(read.workers(), worker);
        if (found.isEmpty()) {
            return ProbeResult.notReady("no Pulp worker " + (worker.contains("@") ? "named " : "on host ") + worker
                    + " (it has not started, or Pulp removed its record when it shut down)");
        }
        PulpWorker w = found.get();
        String heartbeat = String.format(Locale.ROOT, "last heartbeat %.0f s ago, Pulp's timeout %.0f s",
                w.heartbeatAgeSeconds(), w.timeoutSeconds());
        if (!w.alive()) {
            return ProbeResult.notReady("Pulp worker " + w.name() + " is gone: " + heartbeat);
        }
        return ProbeResult.ready("Pulp worker " + w.name() + " alive (" + heartbeat + "), "
                + (w.busy() ? "running task " + w.task().id() + " (" + w.task().name() + ")" : "idle"));
    }

    @Override
    public List<WorkerSummary> workers(Instant now) {
        Read read = last;
        return read == null ? List.of() : read.workers().stream()
                .map(w -> new WorkerSummary(w.name(), w.alive(), w.alive() && w.busy() ? 1 : 0, 1)).toList();
    }

    @Override
    public boolean knows(String worker) {
        Read read = last;
        return read != null && PulpWorkers.find(read.workers(), worker).isPresent();
    }

    @Override
    public void close() {
        // Nothing of its own: the source owns the connection.
    }
}
