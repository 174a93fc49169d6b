package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One task of an {@code active} or {@code reserved} reply (celery's {@code Request.info()}).
 *
 * @param id           task id
 * @param name         task name, e.g. {@code tasks.sleep}
 * @param hostname     the worker's nodename
 * @param routingKey   {@code delivery_info.routing_key}: the queue for tasks published the usual way
 *                     (default exchange, routing key = queue); may be null
 * @param exchange     {@code delivery_info.exchange} ("" for the default exchange); may be null
 * @param acknowledged true once the broker message was acked (early ack: when the task started)
 * @param timeStart    epoch seconds the task started; null for reserved tasks
 * @param workerPid    pool process running it; null for reserved tasks
 */
public record TaskInfo(String id, String name, String hostname, String routingKey, String exchange,
                       boolean acknowledged, Double timeStart, Integer workerPid) {

    static TaskInfo from(JsonNode node) {
        JsonNode delivery = node.path("delivery_info");
        return new TaskInfo(text(node.get("id")), text(node.get("name")), text(node.get("hostname")),
                text(delivery.get("routing_key")), text(delivery.get("exchange")),
                node.path("acknowledged").asBoolean(false),
                node.hasNonNull("time_start") ? node.get("time_start").asDouble() : null,
                node.hasNonNull("worker_pid") ? node.get("worker_pid").asInt() : null);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
