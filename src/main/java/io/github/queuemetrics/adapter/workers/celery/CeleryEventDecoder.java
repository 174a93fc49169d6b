package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Turns what the broker hands over into Celery events.
 *
 * <p>On RabbitMQ the AMQP body is the serialized event itself. On Redis, kombu publishes a whole
 * message envelope ({@code {"body": ..., "content-type": ..., "properties": {"body_encoding":
 * "base64", ...}}}) on the pub/sub channel, so the body has to be unwrapped first. Either way the
 * event is a JSON object, or, from a prefork worker that batches task events under the routing
 * key {@code task.multi}, a JSON array of objects; both come out as a flat list.
 */
public final class CeleryEventDecoder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CeleryEventDecoder() {
    }

    /** Events of an AMQP message body with its content type and encoding (null means JSON/UTF-8). */
    public static List<ObjectNode> fromAmqp(byte[] body, String contentType, String contentEncoding) {
        requireJson(contentType);
        return fromJsonText(new String(body, charset(contentEncoding)));
    }

    /** Events of a kombu envelope as published on Redis pub/sub. */
    public static List<ObjectNode> fromKombuEnvelope(String envelopeText) {
        JsonNode envelope = parse(envelopeText);
        if (!envelope.isObject() || !envelope.has("body")) {
            throw new IllegalArgumentException("not a kombu message envelope (no \"body\")");
        }
        requireJson(envelope.path("content-type").asText(null));
        JsonNode body = envelope.get("body");
        String encoding = envelope.path("properties").path("body_encoding").asText("");
        String text;
        if ("base64".equalsIgnoreCase(encoding)) {
            byte[] raw = Base64.getDecoder().decode(body.asText());
            text = new String(raw, charset(envelope.path("content-encoding").asText(null)));
        } else if (body.isTextual()) {
            text = body.asText();
        } else {
            // Not produced by kombu, but unambiguous: the body is already the JSON event.
            return flatten(body);
        }
        return fromJsonText(text);
    }

    /** The events of one JSON text: an object, or an array of objects ({@code task.multi}). */
    public static List<ObjectNode> fromJsonText(String text) {
        return flatten(parse(text));
    }

    private static List<ObjectNode> flatten(JsonNode node) {
        List<ObjectNode> events = new ArrayList<>();
        if (node.isObject()) {
            events.add((ObjectNode) node);
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (!element.isObject()) {
                    throw new IllegalArgumentException("event array element is not an object: " + element.getNodeType());
                }
                events.add((ObjectNode) element);
            }
        } else {
            throw new IllegalArgumentException("event is neither an object nor an array: " + node.getNodeType());
        }
        return events;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void requireJson(String contentType) {
        // Celery's event_serializer is json unless someone changed it; anything else we cannot read.
        if (contentType != null && !contentType.isBlank()
                && !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new IllegalArgumentException("unsupported event content type " + contentType
                    + " (set Celery's event_serializer to json)");
        }
    }

    private static Charset charset(String encoding) {
        if (encoding == null || encoding.isBlank() || "binary".equalsIgnoreCase(encoding)) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(encoding);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
