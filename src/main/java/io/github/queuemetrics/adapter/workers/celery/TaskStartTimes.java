package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * When each running task started, from its {@code task-started} event, for the scale-down hook's
 * deletion cost (Celery's {@code active} reply gives only the worker's monotonic clock). The event's
 * {@code timestamp} is the worker's wall clock, so it is good to the clock skew between hosts.
 *
 * <p>Only start times: a task's end ({@code succeeded}, {@code failed}, {@code revoked},
 * {@code rejected}, {@code retried}) forgets it, and at most {@link #MAX_TASKS} are kept, the oldest
 * dropped first (a task whose end event was lost cannot pin memory). Thread-safe; each call holds
 * the lock for one map operation.
 */
final class TaskStartTimes {

    static final int MAX_TASKS = 65_536;

    private final Map<String, Instant> started = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > MAX_TASKS;
        }
    };

    synchronized void started(String uuid, Instant at) {
        started.put(uuid, at);
    }

    synchronized void ended(String uuid) {
        started.remove(uuid);
    }

    synchronized Optional<Instant> startedAt(String uuid) {
        return Optional.ofNullable(started.get(uuid));
    }

    synchronized int size() {
        return started.size();
    }
}
