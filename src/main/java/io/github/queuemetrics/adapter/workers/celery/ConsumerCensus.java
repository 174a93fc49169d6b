package io.github.queuemetrics.adapter.workers.celery;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broker's consumer count of each queue (RabbitMQ; Redis has none) against the workers that
 * answered: a Celery worker has one consumer per queue it consumes (kombu's basic.consume per
 * queue), so more consumers than answering workers means someone the adapter cannot see, such as
 * a worker without heartbeats that has not answered yet.
 */
final class ConsumerCensus {

    private final List<String> queues;
    private final Map<String, Long> consumers;

    /** @param consumers the broker's count per queue; a queue missing from it has no known count */
    ConsumerCensus(List<String> queues, Map<String, Long> consumers) {
        this.queues = List.copyOf(queues);
        this.consumers = Map.copyOf(consumers);
    }

    /** True when the broker counted the consumers of every queue. */
    boolean known() {
        return queues.stream().allMatch(consumers::containsKey);
    }

    /** True when the broker counted and no queue has a consumer. */
    boolean noConsumers() {
        return known() && queues.stream().allMatch(q -> consumers.get(q) == 0);
    }

    /** True when the broker counted and every consumer of every queue is one of {@code workers}. */
    boolean accountedFor(Set<String> workers, Map<String, WorkerView> views) {
        return known() && queues.stream().allMatch(q -> consumers.get(q) <= consuming(q, workers, views));
    }

    /** The queues whose consumers the broker counted and each of which is one of {@code workers}. */
    Set<String> accountedQueues(Set<String> workers, Map<String, WorkerView> views) {
        Set<String> result = new HashSet<>();
        for (String q : queues) {
            Long count = consumers.get(q);
            if (count != null && count <= consuming(q, workers, views)) {
                result.add(q);
            }
        }
        return result;
    }

    /** " (q has 3 consumers, 2 of them workers that answered)" for an error message; "" when none. */
    String describeUnaccounted(Set<String> workers, Map<String, WorkerView> views) {
        List<String> parts = new ArrayList<>();
        for (String q : queues) {
            Long count = consumers.get(q);
            long seen = consuming(q, workers, views);
            if (count != null && count > seen) {
                parts.add(q + " has " + count + " consumers, " + seen + " of them workers that answered");
            }
        }
        return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    }

    private static long consuming(String queue, Set<String> workers, Map<String, WorkerView> views) {
        return workers.stream().map(views::get).filter(v -> v != null && v.queues().contains(queue)).count();
    }
}
