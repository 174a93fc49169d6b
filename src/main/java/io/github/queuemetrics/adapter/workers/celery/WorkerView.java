package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * What the last polls learned about one Celery worker from its answers; replaced whole, read by
 * probes.
 *
 * @param active      tasks executing at the last {@code active} answer
 * @param held        prefetched tasks ({@code reserved} and {@code scheduled}), when the source asks for them
 * @param queues      the queues it consumes now ({@code active_queues})
 * @param firstQueues the queues it consumed when first seen with this pid (to name a drained queue)
 * @param slots       pool size from {@code stats}; 0 when not known yet
 * @param pid         the worker's pid from its heartbeats when it answered; null without heartbeats
 */
record WorkerView(List<TaskInfo> active, List<TaskInfo> held, Set<String> queues, Set<String> firstQueues,
                  int slots, Long pid, Instant answeredAt) {

    /** True when the worker consumes one of {@code sourceQueues} or holds a task of one. */
    boolean touches(Collection<String> sourceQueues) {
        return queues.stream().anyMatch(sourceQueues::contains)
                || active.stream().anyMatch(t -> sourceQueues.contains(t.routingKey()))
                || held.stream().anyMatch(t -> sourceQueues.contains(t.routingKey()));
    }
}
