package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;
import java.util.Optional;

/**
 * A continuous subscription to Celery's {@code celeryev} events on one broker. It runs on its own
 * daemon thread, never on a Vert.x event loop, and after a broker outage it reconnects by itself,
 * with backoff, for as long as it is open. Events go to the {@link CeleryEventListener} given at
 * construction.
 */
public interface CeleryEventStream extends AutoCloseable {

    /**
     * Celery's event exchange ({@code event_exchange}): a topic exchange on RabbitMQ, the channel
     * prefix {@code <keyprefix>/<db>.celeryev/} of kombu's pub/sub emulation on Redis.
     */
    String EXCHANGE = "celeryev";

    /** Starts consuming in the background; returns at once. Calling it twice is a no-op. */
    void start();

    /** True while subscribed: events published now will be received. */
    boolean connected();

    /** Why the last connection failed or ended (passwords removed); empty if it never failed. */
    Optional<String> lastError();

    /** How many times a subscription was established (1 after the first connect, +1 per reconnect). */
    long connectCount();

    /** Events delivered to the listener so far (elements of {@code task.multi} counted one by one). */
    long eventsReceived();

    /** When the last event arrived (local clock), if any. */
    Optional<Instant> lastEventAt();

    /** Stops the thread and closes the connection. */
    @Override
    void close();
}
