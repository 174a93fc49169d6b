package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.workers.celery.CeleryWorkerRegistry;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When each task a Celery worker runs started, on the adapter's wall clock, for the deletion cost.
 * Celery's {@code active} reply has a {@code time_start}, but from the worker host's monotonic
 * clock, which cannot be compared with ours. So: the {@code task-started} event's timestamp when the
 * worker tracker saw it (the worker's wall clock: good to the clock skew between hosts; workers
 * send task events only with {@code -E}); otherwise the first time this adapter saw the task id in
 * an {@code active} reply of that worker, which is a <b>lower bound</b> of the run time (a task
 * that started long before the first review reads as just started; a restarted adapter starts
 * counting again).
 *
 * <p>Bounded: per worker only the ids of its latest reply are kept (its concurrency), and at most
 * {@link #MAX_WORKERS} workers, the least recently asked forgotten first. Thread-safe.
 */
final class CeleryTaskStarts {

    static final int MAX_WORKERS = 4096;

    private final CeleryWorkerRegistry registry;
    private final Map<String, Map<String, Instant>> firstSeen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Instant>> eldest) {
            return size() > MAX_WORKERS;
        }
    };

    /** @param registry the worker tracker's registry, or null when the source tracks no events */
    CeleryTaskStarts(CeleryWorkerRegistry registry) {
        this.registry = registry;
    }

    /**
     * Records that {@code worker} runs {@code taskIds} at {@code now}, and returns when each
     * started: the task-started event's time if known, else when it was first seen running.
     */
    synchronized Map<String, Instant> running(String worker, Collection<String> taskIds, Instant now) {
        Map<String, Instant> before = firstSeen.getOrDefault(worker, Map.of());
        Map<String, Instant> seen = new HashMap<>();
        Map<String, Instant> starts = new LinkedHashMap<>();
        for (String id : taskIds) {
            Instant first = before.getOrDefault(id, now);
            seen.put(id, first);
            Instant started = registry == null ? null
                    : registry.taskStarted(id).orElse(null);
            starts.put(id, started != null && started.isBefore(first) ? started : first);
        }
        firstSeen.put(worker, seen);
        return starts;
    }
}
