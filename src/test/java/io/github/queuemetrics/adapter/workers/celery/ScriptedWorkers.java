package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Simulated Celery workers behind a fake pidbox transport: each worker answers {@code active},
 * {@code reserved}, {@code scheduled}, {@code active_queues} and {@code stats} from its scripted state, as celery.worker.control would;
 * a worker marked silent answers nothing (hung, or killed after its last heartbeat); a worker that
 * does not listen gets no broadcast at all (remote control disabled).
 */
final class ScriptedWorkers implements PidboxTransport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One simulated worker. */
    static final class Worker {
        final String nodename;
        final int concurrency;
        final Set<String> queues = new LinkedHashSet<>();
        final List<ObjectNode> active = new ArrayList<>();
        final List<ObjectNode> reserved = new ArrayList<>();
        final List<ObjectNode> scheduled = new ArrayList<>();
        boolean silent;
        /** False for a worker with remote control disabled: not subscribed to the pidbox. */
        boolean listens = true;

        Worker(String nodename, int concurrency, String... queues) {
            this.nodename = nodename;
            this.concurrency = concurrency;
            this.queues.addAll(List.of(queues));
        }

        /** A task executing now, delivered from {@code routingKey}; acknowledged under early ack. */
        Worker running(String id, String routingKey, boolean acknowledged) {
            active.add(task(id, routingKey, acknowledged));
            return this;
        }

        /** A task prefetched and not started ({@code reserved}). */
        Worker reserved(String id, String routingKey) {
            reserved.add(task(id, routingKey, false));
            return this;
        }

        /** A task held for its ETA ({@code scheduled} wraps it in "request"). */
        Worker scheduled(String id, String routingKey) {
            ObjectNode entry = JSON.createObjectNode().put("eta", "2026-11-22T10:05:00+00:00").put("priority", 0);
            entry.set("request", task(id, routingKey, false));
            scheduled.add(entry);
            return this;
        }

        private ObjectNode task(String id, String routingKey, boolean acknowledged) {
            ObjectNode task = JSON.createObjectNode().put("id", id).put("name", "tasks.sleep")
                    .put("hostname", nodename).put("acknowledged", acknowledged).put("time_start", 1.0e9)
                    .put("worker_pid", 4242);
            task.putObject("delivery_info").put("exchange", "").put("routing_key", routingKey).put("priority", 0);
            return task;
        }
    }

    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final Deque<PidboxReply> replies = new ArrayDeque<>();
    final List<String> methods = new ArrayList<>();
    /** Report the number of listening workers from publish, as Redis PUBLISH does; else -1 (AMQP). */
    boolean countsReceivers;

    Worker add(Worker w) {
        workers.put(w.nodename, w);
        return w;
    }

    Optional<Worker> worker(String nodename) {
        return Optional.ofNullable(workers.get(nodename));
    }

    @Override
    public String replyExchange() {
        return "reply.celery.pidbox";
    }

    @Override
    public String replyRoutingKey() {
        return "scripted";
    }

    @Override
    public synchronized int publish(byte[] commandJson, double expires) throws IOException {
        JsonNode cmd = JSON.readTree(commandJson);
        String method = cmd.get("method").asText();
        methods.add(method);
        JsonNode dest = cmd.get("destination");
        for (Worker w : workers.values()) {
            boolean addressed = dest == null || dest.isNull() || dest.toString().contains("\"" + w.nodename + "\"");
            if (!addressed || !w.listens || w.silent || !cmd.hasNonNull("ticket")) {
                continue;
            }
            ObjectNode body = JSON.createObjectNode();
            body.set(w.nodename, answer(method, cmd.path("arguments"), w));
            replies.add(new PidboxReply(cmd.get("ticket").asText(), body));
        }
        return countsReceivers ? (int) workers.values().stream().filter(w -> w.listens).count() : -1;
    }

    private static JsonNode answer(String method, JsonNode arguments, Worker w) {
        switch (method) {
            case "active" -> {
                ArrayNode list = JSON.createArrayNode();
                w.active.forEach(list::add);
                return list;
            }
            case "reserved" -> {
                ArrayNode list = JSON.createArrayNode();
                w.reserved.forEach(list::add);
                return list;
            }
            case "scheduled" -> {
                ArrayNode list = JSON.createArrayNode();
                w.scheduled.forEach(list::add);
                return list;
            }
            case "active_queues" -> {
                ArrayNode list = JSON.createArrayNode();
                w.queues.forEach(q -> list.addObject().put("name", q).put("routing_key", q));
                return list;
            }
            case "stats" -> {
                ObjectNode stats = JSON.createObjectNode().put("prefetch_count", w.concurrency);
                stats.putObject("pool").put("max-concurrency", w.concurrency);
                return stats;
            }
            case "cancel_consumer" -> {
                String q = arguments.path("queue").asText();
                w.queues.remove(q);
                return JSON.createObjectNode().put("ok", "no longer consuming from " + q);
            }
            case "add_consumer" -> {
                String q = arguments.path("queue").asText();
                w.queues.add(q);
                return JSON.createObjectNode().put("ok", "add consumer " + q);
            }
            default -> {
                return JSON.createObjectNode().put("error", "unknown command " + method);
            }
        }
    }

    @Override
    public synchronized PidboxReply receive(Duration maxWait) {
        return replies.poll();
    }

    @Override
    public void disconnect() {
    }

    @Override
    public void close() {
    }
}
