package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The pidbox wire shapes (kombu.pidbox / celery.worker.pidbox, see broker-protocols.md §3), with no
 * broker I/O: the command body, the kombu Redis envelope around it, and the decoding of replies.
 */
public final class PidboxMessages {

    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The largest reply body decoded, per worker and command: 4 MiB. A reply is decoded into a JSON
     * tree several times its size, and Celery 5.2's {@code reserved} and {@code scheduled} replies
     * carry each task's full arguments; a bigger reply fails the call (and so the poll) with a
     * clear error instead of growing the heap without bound.
     */
    public static final int MAX_REPLY_BYTES = 4 * 1024 * 1024;
    /** A Redis envelope holds the body base64-encoded (4/3 of its size) plus a few headers. */
    static final long MAX_ENVELOPE_BYTES = MAX_REPLY_BYTES / 3L * 4 + 64 * 1024;

    private PidboxMessages() {
    }

    /**
     * The command body: {@code {"method","arguments","destination","pattern","matcher"}}, plus
     * {@code ticket} and {@code reply_to} when a reply is wanted. Without them the worker treats it
     * as a cast and answers nothing.
     *
     * @param ticket         null for a cast
     * @param replyExchange  ignored for a cast
     * @param replyRoutingKey ignored for a cast
     */
    public static byte[] command(String method, Map<String, ?> arguments, List<String> destination,
                                 String ticket, String replyExchange, String replyRoutingKey) {
        ObjectNode node = JSON.createObjectNode();
        node.put("method", method);
        node.set("arguments", JSON.valueToTree(arguments == null ? Map.of() : arguments));
        if (destination == null) {
            node.putNull("destination");
        } else {
            node.set("destination", JSON.valueToTree(destination));
        }
        node.putNull("pattern");
        node.putNull("matcher");
        if (ticket != null) {
            node.put("ticket", ticket);
            ObjectNode replyTo = node.putObject("reply_to");
            replyTo.put("exchange", replyExchange);
            replyTo.put("routing_key", replyRoutingKey);
        }
        return bytes(node);
    }

    /**
     * The kombu Redis envelope that is PUBLISHed on the fanout channel. The body stays a plain JSON
     * string (no {@code body_encoding}: kombu then reads it as it is). {@code delivery_tag} is
     * required: the worker's kombu raises KeyError without it.
     */
    public static byte[] redisEnvelope(byte[] commandJson, double expiresEpochSeconds, String exchange,
                                       String deliveryTag) {
        ObjectNode node = JSON.createObjectNode();
        node.put("body", new String(commandJson, StandardCharsets.UTF_8));
        node.put("content-type", "application/json");
        node.put("content-encoding", "utf-8");
        ObjectNode headers = node.putObject("headers");
        headers.put("clock", 0);
        putExpires(headers, expiresEpochSeconds);
        ObjectNode properties = node.putObject("properties");
        properties.put("delivery_tag", deliveryTag);
        ObjectNode deliveryInfo = properties.putObject("delivery_info");
        deliveryInfo.put("exchange", exchange);
        deliveryInfo.put("routing_key", "");
        return bytes(node);
    }

    /** {@code expires} as Python sends it: an epoch float, or the integer 0 for "never". */
    static void putExpires(ObjectNode headers, double expiresEpochSeconds) {
        if (expiresEpochSeconds > 0) {
            headers.put("expires", expiresEpochSeconds);
        } else {
            headers.put("expires", 0);
        }
    }

    /**
     * Decodes a kombu Redis envelope taken from the reply list: {@code headers.ticket}, and the body,
     * base64-decoded when {@code properties.body_encoding} says so (the worker's kombu always does).
     */
    public static PidboxReply decodeRedisEnvelope(byte[] envelope) throws IOException {
        if (envelope.length > MAX_ENVELOPE_BYTES) {
            return PidboxReply.oversized(ticketOfEnvelope(envelope), envelope.length / 4L * 3);
        }
        JsonNode node = JSON.readTree(envelope);
        if (node == null || !node.isObject()) {
            throw new IOException("reply envelope is not a JSON object");
        }
        JsonNode bodyNode = node.path("body");
        if (!bodyNode.isTextual()) {
            throw new IOException("reply envelope has no string body");
        }
        String encoding = node.path("properties").path("body_encoding").asText("");
        byte[] body = "base64".equals(encoding)
                ? Base64.getMimeDecoder().decode(bodyNode.asText())
                : bodyNode.asText().getBytes(StandardCharsets.UTF_8);
        String ticket = textOrNull(node.path("headers").get("ticket"));
        if (body.length > MAX_REPLY_BYTES) {
            return PidboxReply.oversized(ticket, body.length);
        }
        return new PidboxReply(ticket, JSON.readTree(body));
    }

    /** An AMQP reply: the payload is the JSON body itself, the ticket a message header. */
    public static PidboxReply decodeAmqp(Object ticketHeader, byte[] body) throws IOException {
        String ticket = ticketHeader == null ? null : ticketHeader.toString();
        if (body.length > MAX_REPLY_BYTES) {
            return PidboxReply.oversized(ticket, body.length);
        }
        return new PidboxReply(ticket, JSON.readTree(body));
    }

    /**
     * {@code headers.ticket} of an envelope too large to build a tree of: a streaming read that
     * skips the body string without decoding it.
     */
    private static String ticketOfEnvelope(byte[] envelope) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(envelope)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("reply envelope is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("headers".equals(field) && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String header = p.currentName();
                        if (p.nextToken() == JsonToken.VALUE_STRING && "ticket".equals(header)) {
                            return p.getText();
                        }
                        p.skipChildren();
                    }
                    return null;
                }
                p.skipChildren();
            }
            return null;
        }
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode pidbox message: " + e.getMessage(), e);
        }
    }
}
