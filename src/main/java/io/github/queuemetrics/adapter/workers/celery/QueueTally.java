package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.UtilizationWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Adds up the live workers' answers per queue: running tasks by routing key (early-acked ones are
 * in no broker count), prefetched ones, workers consuming the queue, and their utilization over
 * the last minute (the windows live here, across polls).
 */
final class QueueTally {

    private final boolean tracksPrefetch;
    private final Map<String, UtilizationWindow> utilization = new HashMap<>();

    /** @param tracksPrefetch whether the workers were asked for reserved and scheduled tasks */
    QueueTally(boolean tracksPrefetch) {
        this.tracksPrefetch = tracksPrefetch;
    }

    /** @param accounted the queues whose every consumer (as the broker counts them) is a live worker */
    Map<String, QueueWorkers> perQueue(Collection<String> queues, Map<String, WorkerView> views, Set<String> live,
                                       Set<String> accounted, StartedTaskCounter starts, Instant now) {
        Map<String, QueueWorkers> result = new HashMap<>();
        for (String queue : queues) {
            long running = 0;
            long unseen = 0;
            long prefetched = 0;
            int total = 0;
            int busy = 0;
            double slots = 0;
            double busySlots = 0;
            for (Map.Entry<String, WorkerView> entry : views.entrySet()) {
                String worker = entry.getKey();
                WorkerView view = entry.getValue();
                if (!live.contains(worker)) {
                    continue;
                }
                // Tasks count for their queue even when the worker stopped consuming it
                // (cancel_consumer): they still run, and must not look finished.
                for (TaskInfo task : view.active()) {
                    if (queue.equals(task.routingKey())) {
                        running++;
                        if (task.acknowledged()) {
                            unseen++;
                        }
                    }
                }
                for (TaskInfo task : view.held()) {
                    if (queue.equals(task.routingKey())) {
                        prefetched++;
                    }
                }
                if (view.queues().contains(queue)) {
                    total++;
                    int executing = view.active().size();
                    int workerSlots = Math.max(view.slots(), 1);
                    if (executing > 0) {
                        busy++;
                    }
                    slots += workerSlots;
                    busySlots += Math.min(executing, workerSlots);
                }
            }
            UtilizationWindow window = utilization.computeIfAbsent(queue,
                    q -> new UtilizationWindow(Duration.ofMinutes(1)));
            window.add(now, busySlots, slots);
            result.put(queue, new QueueWorkers(running, unseen, tracksPrefetch ? prefetched : -1, total, busy,
                    window.ratio(now).orElse(0), starts.started(queue), accounted.contains(queue)));
        }
        utilization.keySet().retainAll(queues);
        starts.retainQueues(queues);
        return result;
    }
}
