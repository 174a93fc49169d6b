package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of a {@code stats} reply the adapter uses, plus the whole reply.
 *
 * @param maxConcurrency {@code pool.max-concurrency}: task slots; -1 when the pool does not say
 * @param prefetchCount  {@code prefetch_count}: the worker's current QoS window; -1 when absent
 * @param pid            the worker's main process id; -1 when absent
 * @param uptime         seconds since the worker started; -1 when absent
 * @param total          tasks accepted since start, by task name
 * @param raw            the reply as the worker sent it (broker, rusage, …)
 */
public record WorkerStats(int maxConcurrency, int prefetchCount, long pid, long uptime, Map<String, Long> total,
                          JsonNode raw) {

    static WorkerStats from(JsonNode node) {
        Map<String, Long> total = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.path("total").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            total.put(e.getKey(), e.getValue().asLong());
        }
        return new WorkerStats(node.path("pool").path("max-concurrency").asInt(-1),
                node.path("prefetch_count").asInt(-1), node.path("pid").asLong(-1), node.path("uptime").asLong(-1),
                Map.copyOf(total), node);
    }
}
