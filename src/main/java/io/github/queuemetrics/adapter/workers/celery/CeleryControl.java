package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.queuemetrics.adapter.config.SourceConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Celery remote control (the "pidbox", what {@code celery inspect} / {@code celery control} use)
 * over RabbitMQ or Redis: one broadcast reaches every worker, each answers on this client's reply
 * queue, and the answers are collected by ticket.
 *
 * <p>Blocking: call it from a worker pool, never from an event loop.
 *
 * <p><b>Threads.</b> Calls are serialized by one fair lock: a call publishes, then reads the reply
 * queue until it is done, and only then does the next call start. This is the simple correct
 * choice: there is one reader of the reply queue at any time, so a reply can only ever be matched
 * against the ticket of the call that is reading, and anything else (a late reply of a call that
 * already timed out) is dropped. The price is that a drain hook may wait for the poller's call in
 * progress (at most its timeout; one {@code active} per poll interval).
 *
 * <p><b>Failures.</b> A call that cannot reach the broker throws {@link CeleryControlException};
 * it never returns an empty map that would read as "no workers". The next call reconnects.
 */
public final class CeleryControl implements AutoCloseable {

    /** Celery's own default reply timeout; {@code workerReplyTimeout} changes it per source. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);


    private final PidboxTransport transport;
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile boolean closed;

    public CeleryControl(PidboxTransport transport) {
        this.transport = transport;
    }

    /**
     * A client for the Celery workers of a source: RabbitMQ through its {@code amqpUri} (and so its
     * vhost), Celery-on-Redis through {@code uri} with the source's key prefix and separator.
     */
    public static CeleryControl forSource(SourceConfig source) {
        return switch (source.type()) {
            case RABBITMQ -> new CeleryControl(new AmqpPidboxTransport(AmqpEndpoint.forSource(source),
                    PidboxTransport.DEFAULT_NAMESPACE));
            case CELERY_REDIS -> new CeleryControl(new RedisPidboxTransport(RedisEndpoint.forSource(source,
                    "qma-pidbox"), source.keyPrefix(), source.separator(), PidboxTransport.DEFAULT_NAMESPACE));
            case RQ, PULP -> throw new IllegalArgumentException("source " + source.name()
                    + " is of type " + source.type().configName() + ": its workers have no Celery remote control");
        };
    }

    /** The broker side; tests read its connection and reply queue names. */
    public PidboxTransport transport() {
        return transport;
    }

    /**
     * Sends {@code method} and collects the replies of its ticket.
     *
     * @param arguments   the command's arguments; null for none
     * @param destination worker nodenames, or null for every worker (never empty: an empty list
     *                    would reach every worker, which is not what a caller naming workers wants)
     * @param timeout     how long to wait for replies
     * @return replies keyed by nodename. It is complete when every named destination answered
     *         (the call then returns at once), or, with destination null, when the timeout passed
     *         or every receiver the broker reported answered (Redis PUBLISH tells how many workers
     *         got the command; RabbitMQ cannot, so there a null destination waits the full timeout).
     * @throws CeleryControlException when the broker cannot be reached
     */
    public Map<String, JsonNode> broadcast(String method, Map<String, ?> arguments, List<String> destination,
                                           Duration timeout) {
        return broadcast(method, arguments, destination, timeout, 0);
    }

    /**
     * As {@link #broadcast(String, Map, List, Duration)}, returning as soon as {@code expectedReplies}
     * workers answered (0 for no hint; ignored when the broker counted the receivers, Redis). With
     * destination null this lets a poller that knows how many
     * workers exist stop waiting early; a worker that is new since then may be missed by that call.
     */
    public Map<String, JsonNode> broadcast(String method, Map<String, ?> arguments, List<String> destination,
                                           Duration timeout, int expectedReplies) {
        return send(method, arguments, destination, timeout, expectedReplies).replies();
    }

    /**
     * The replies of one call, and how many workers the broker handed the command to.
     *
     * @param receivers as {@link PidboxTransport#publish} says: -1 when the broker cannot tell (AMQP)
     */
    public record Answers<T>(Map<String, T> replies, int receivers) {

        /** True when the broker counted the receivers and every one of them answered. */
        public boolean everyReceiverAnswered() {
            return receivers >= 0 && replies.size() >= receivers;
        }
    }

    private Answers<JsonNode> send(String method, Map<String, ?> arguments, List<String> destination,
                                   Duration timeout, int expectedReplies) {
        checkDestination(destination);
        String ticket = UUID.randomUUID().toString();
        lockInterruptibly();
        try {
            byte[] body = PidboxMessages.command(method, arguments, destination, ticket,
                    transport.replyExchange(), transport.replyRoutingKey());
            long deadline = System.nanoTime() + timeout.toNanos();
            int receivers = transport.publish(body, epochSeconds() + timeout.toMillis() / 1000.0);
            return new Answers<>(PidboxReplies.collect(transport, method, ticket, destination, deadline,
                    expectedReplies, receivers),
                    receivers);
        } catch (IOException e) {
            transport.disconnect();
            throw new CeleryControlException("Celery remote control '" + method + "' failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CeleryControlException("interrupted while waiting for '" + method + "' replies", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code method} without a ticket: workers act on it and answer nothing (e.g.
     * {@code shutdown}).
     */
    public void cast(String method, Map<String, ?> arguments, List<String> destination) {
        checkDestination(destination);
        lockInterruptibly();
        try {
            transport.publish(PidboxMessages.command(method, arguments, destination, null, null, null), 0);
        } catch (IOException e) {
            transport.disconnect();
            throw new CeleryControlException("Celery remote control '" + method + "' failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Nodenames of the workers that answered {@code pong}. */
    public Set<String> ping(List<String> destination, Duration timeout) {
        Set<String> answered = new TreeSet<>();
        broadcast("ping", null, destination, timeout).forEach((node, reply) -> {
            if ("pong".equals(reply.path("ok").asText(null))) {
                answered.add(node);
            }
        });
        return answered;
    }

    /**
     * {@code safe: true}: tasks are described with Celery's truncated {@code argsrepr}/{@code
     * kwargsrepr} instead of their full arguments. Celery 5.2 honours it in {@code active};
     * {@code reserved} and {@code scheduled} take it and ignore it (their replies still carry the
     * full arguments, which {@link PidboxMessages#MAX_REPLY_BYTES} bounds).
     */
    static final Map<String, Object> SAFE = Map.of("safe", true);

    /** Tasks executing now, per worker. */
    public Map<String, List<TaskInfo>> active(List<String> destination, Duration timeout) {
        return active(destination, timeout, 0);
    }

    /**
     * As {@link #active(List, Duration)} with an expected-replies hint (see
     * {@link #broadcast(String, Map, List, Duration, int)}).
     */
    public Map<String, List<TaskInfo>> active(List<String> destination, Duration timeout, int expectedReplies) {
        return activeAnswers(destination, timeout, expectedReplies).replies();
    }

    /** As {@link #active(List, Duration, int)}, with how many workers the broker handed it to. */
    public Answers<List<TaskInfo>> activeAnswers(List<String> destination, Duration timeout, int expectedReplies) {
        Answers<JsonNode> raw = send("active", SAFE, destination, timeout, expectedReplies);
        return new Answers<>(PidboxReplies.perWorker(raw.replies(), PidboxReplies::tasks), raw.receivers());
    }

    /** Tasks a worker has prefetched but not started, per worker. */
    public Map<String, List<TaskInfo>> reserved(List<String> destination, Duration timeout) {
        return reserved(destination, timeout, 0);
    }

    /** As {@link #reserved(List, Duration)} with an expected-replies hint. */
    public Map<String, List<TaskInfo>> reserved(List<String> destination, Duration timeout, int expectedReplies) {
        return PidboxReplies.perWorker(broadcast("reserved", SAFE, destination, timeout, expectedReplies),
                PidboxReplies::tasks);
    }

    /**
     * Tasks a worker holds with an ETA or countdown (also prefetched, not started), per worker.
     * The reply wraps each task as {@code {"eta": …, "priority": …, "request": {task info}}}.
     */
    public Map<String, List<TaskInfo>> scheduled(List<String> destination, Duration timeout, int expectedReplies) {
        return PidboxReplies.perWorker(broadcast("scheduled", SAFE, destination, timeout, expectedReplies),
                PidboxReplies::scheduledTasks);
    }

    /** Names of the queues each worker consumes from now. */
    public Map<String, List<String>> activeQueues(List<String> destination, Duration timeout) {
        return PidboxReplies.perWorker(broadcast("active_queues", null, destination, timeout),
                PidboxReplies::queueNames);
    }

    /** {@code stats} of each worker: pool size, prefetch, totals. */
    public Map<String, WorkerStats> stats(List<String> destination, Duration timeout) {
        return PidboxReplies.perWorker(broadcast("stats", null, destination, timeout), WorkerStats::from);
    }

    /**
     * Makes workers stop consuming {@code queue}. Tasks they already prefetched from it stay with
     * them and still run.
     */
    public Map<String, ControlResult> cancelConsumer(String queue, List<String> destination, Duration timeout) {
        return PidboxReplies.perWorker(broadcast("cancel_consumer", Map.of("queue", queue), destination, timeout),
                ControlResult::from);
    }

    /** Makes workers consume {@code queue} (again), declared as Celery's default direct queue. */
    public Map<String, ControlResult> addConsumer(String queue, List<String> destination, Duration timeout) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("queue", queue);
        arguments.put("exchange", null);
        arguments.put("exchange_type", "direct");
        arguments.put("routing_key", null);
        return PidboxReplies.perWorker(broadcast("add_consumer", arguments, destination, timeout), ControlResult::from);
    }

    /** Removes the reply queue/binding and disconnects; later calls throw. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                transport.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private void lockInterruptibly() {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CeleryControlException("interrupted while waiting for another remote control call", e);
        }
        if (closed) {
            lock.unlock();
            throw new IllegalStateException("CeleryControl is closed");
        }
    }

    private static void checkDestination(List<String> destination) {
        if (destination != null && destination.isEmpty()) {
            throw new IllegalArgumentException("destination must name at least one worker, or be null for all");
        }
    }

    private static double epochSeconds() {
        return System.currentTimeMillis() / 1000.0;
    }
}
