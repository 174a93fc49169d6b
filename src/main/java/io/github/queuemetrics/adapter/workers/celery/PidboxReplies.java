package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reply side of one remote control call: reading the reply queue until the call is complete,
 * and decoding the workers' answers. The caller holds {@link CeleryControl}'s lock, so there is one
 * reader of the reply queue at a time.
 */
final class PidboxReplies {

    private static final Logger LOG = LoggerFactory.getLogger(PidboxReplies.class);

    private PidboxReplies() {
    }

    /**
     * Replies of {@code ticket} by nodename, until every named destination answered, the broker's
     * receiver count (or, where it cannot count, the caller's {@code expected} hint) is reached, or
     * the deadline ({@link System#nanoTime()}) passes.
     */
    static Map<String, JsonNode> collect(PidboxTransport transport, String method, String ticket, List<String> destination, long deadline,
                                         int expected, int receivers) throws IOException, InterruptedException {
        Map<String, JsonNode> replies = new LinkedHashMap<>();
        Set<String> waitingFor = destination == null ? new HashSet<>() : new HashSet<>(destination);
        if (receivers == 0) {
            return replies; // the broker says no worker got the command: nobody can answer
        }
        while (true) {
            // A broker that counted the receivers gives the exact number to wait for; the caller's
            // hint is for brokers that cannot (AMQP).
            if (destination != null ? waitingFor.isEmpty()
                    : receivers > 0 ? replies.size() >= receivers : expected > 0 && replies.size() >= expected) {
                return replies;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return replies;
            }
            PidboxReply reply = transport.receive(Duration.ofNanos(left));
            if (reply == null) {
                return replies;
            }
            if (ticket.equals(reply.ticket()) && reply.oversized()) {
                throw new CeleryControlException("a worker's reply to '" + method + "' is " + reply.oversizeBytes()
                        + " bytes, above the limit of " + PidboxMessages.MAX_REPLY_BYTES + " bytes per reply"
                        + " (task arguments are in Celery's replies): not decoded, this call fails");
            }
            if (!ticket.equals(reply.ticket()) || reply.body() == null || !reply.body().isObject()) {
                LOG.debug("dropping a pidbox reply of ticket {} (waiting for {})", reply.ticket(), ticket);
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> it = reply.body().fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                replies.put(e.getKey(), e.getValue());
                waitingFor.remove(e.getKey());
            }
        }
    }

    static List<TaskInfo> tasks(JsonNode node) {
        List<TaskInfo> tasks = new ArrayList<>();
        node.forEach(t -> tasks.add(TaskInfo.from(t)));
        return List.copyOf(tasks);
    }

    /** {@code scheduled} wraps each task as {@code {"eta": …, "priority": …, "request": {task info}}}. */
    static List<TaskInfo> scheduledTasks(JsonNode node) {
        List<TaskInfo> tasks = new ArrayList<>();
        node.forEach(entry -> tasks.add(TaskInfo.from(entry.path("request"))));
        return List.copyOf(tasks);
    }

    static List<String> queueNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.forEach(q -> names.add(q.path("name").asText()));
        return List.copyOf(names);
    }

    static <T> Map<String, T> perWorker(Map<String, JsonNode> replies, Function<JsonNode, T> decode) {
        Map<String, T> out = new LinkedHashMap<>();
        replies.forEach((node, reply) -> out.put(node, decode.apply(reply)));
        return Collections.unmodifiableMap(out);
    }
}
