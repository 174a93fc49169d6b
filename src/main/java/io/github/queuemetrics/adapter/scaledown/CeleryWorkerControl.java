package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.workers.celery.CeleryControl;
import io.github.queuemetrics.adapter.workers.celery.CeleryWorkerRegistry;
import io.github.queuemetrics.adapter.workers.celery.TaskInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Celery workers through the remote control ({@code active_queues}, {@code cancel_consumer},
 * {@code add_consumer}, {@code active}, {@code reserved}, {@code scheduled}), every call addressed
 * to the named workers only, so it returns as soon as they answered. Liveness comes from the
 * worker tracker's heartbeats, and for a worker without them (started with
 * {@code --without-heartbeat}, or not heard yet) from a {@code ping} addressed to it: a busy worker
 * must never read as gone, or the scale-down would be let through. The control client is the hook's own (its own reply queue), so
 * a review never waits for the poller's broadcasts. When each running task started comes from
 * {@link CeleryTaskStarts} (not {@code time_start}: a monotonic clock).
 */
public final class CeleryWorkerControl implements WorkerControl, AutoCloseable {

    /** Short: a review answers within a second, and an alive worker answers in milliseconds. */
    static final Duration REPLY_TIMEOUT = Duration.ofMillis(300);

    private final CeleryControl control;
    private final CeleryWorkerRegistry registry;
    private final Clock clock;
    private final CeleryTaskStarts starts;

    public CeleryWorkerControl(CeleryControl control, CeleryWorkerRegistry registry, Clock clock) {
        this.control = control;
        this.registry = registry;
        this.clock = clock;
        this.starts = new CeleryTaskStarts(registry);
    }

    @Override
    public void warmUp() {
        // Connects and declares the reply queue; a ping to a name no worker has gets no answer.
        control.ping(List.of("qma-scale-down-hook-warm-up@nowhere"), Duration.ofMillis(10));
    }

    @Override
    public boolean alive(String worker) {
        return registry.isAlive(worker, clock.instant()) || control.ping(List.of(worker), REPLY_TIMEOUT).contains(worker);
    }

    /** The pid from its heartbeats: a restart changes it. */
    @Override
    public Optional<String> incarnation(String worker) {
        return registry.worker(worker).map(w -> w.pid() == null ? null : w.pid().toString());
    }

    @Override
    public Optional<List<String>> consumedQueues(String worker) {
        return Optional.ofNullable(control.activeQueues(List.of(worker), REPLY_TIMEOUT).get(worker));
    }

    /** One {@code active_queues} addressed to all of them: it returns once they all answered. */
    @Override
    public Map<String, List<String>> consumedQueues(List<String> workers) {
        return workers.isEmpty() ? Map.of() : control.activeQueues(workers, REPLY_TIMEOUT);
    }

    @Override
    public void stopConsuming(String worker, List<String> queues) {
        for (String queue : queues) {
            control.cancelConsumer(queue, List.of(worker), REPLY_TIMEOUT);
        }
    }

    @Override
    public void resumeConsuming(String worker, List<String> queues) {
        for (String queue : queues) {
            control.addConsumer(queue, List.of(worker), REPLY_TIMEOUT);
        }
    }

    @Override
    public Map<String, WorkerLoad> loads(List<String> workers) {
        Map<String, WorkerLoad> loads = new LinkedHashMap<>();
        if (workers.isEmpty()) {
            return loads;
        }
        // Prefetched first, then active: a task moving from one to the other between the two
        // calls is counted twice, never missed.
        Map<String, List<TaskInfo>> reserved = control.reserved(workers, REPLY_TIMEOUT);
        Map<String, List<TaskInfo>> scheduled = control.scheduled(workers, REPLY_TIMEOUT, workers.size());
        Map<String, List<TaskInfo>> active = control.active(workers, REPLY_TIMEOUT);
        for (String worker : workers) {
            if (!active.containsKey(worker) || !reserved.containsKey(worker)) {
                continue; // no answer: its load is unknown
            }
            List<TaskInfo> tasks = active.get(worker);
            Map<String, java.time.Instant> started = starts.running(worker,
                    tasks.stream().map(TaskInfo::id).toList(), clock.instant());
            List<RunningTask> running = new ArrayList<>();
            for (TaskInfo task : tasks) {
                running.add(new RunningTask(task.name(), task.id(), started.get(task.id())));
            }
            int prefetched = reserved.get(worker).size() + scheduled.getOrDefault(worker, List.of()).size();
            loads.put(worker, new WorkerLoad(running, prefetched));
        }
        return loads;
    }

    @Override
    public void close() {
        control.close();
    }
}
