package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer of a worker to a command such as {@code cancel_consumer}: {@code {"ok": "..."}} or
 * {@code {"error": "..."}} (celery.worker.control's {@code ok()} / {@code nok()}).
 *
 * @param ok      true for an {@code ok} reply
 * @param message the text of the reply, or the whole reply when it had neither key
 */
public record ControlResult(boolean ok, String message) {

    static ControlResult from(JsonNode node) {
        if (node != null && node.hasNonNull("ok")) {
            return new ControlResult(true, node.get("ok").asText());
        }
        if (node != null && node.hasNonNull("error")) {
            return new ControlResult(false, node.get("error").asText());
        }
        return new ControlResult(false, String.valueOf(node));
    }
}
