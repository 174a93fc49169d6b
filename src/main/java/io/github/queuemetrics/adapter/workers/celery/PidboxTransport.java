package io.github.queuemetrics.adapter.workers.celery;

import java.io.IOException;
import java.time.Duration;

/**
 * How pidbox commands reach Celery workers and how their replies come back, for one broker.
 *
 * <p>An implementation owns one long-lived reply queue (AMQP) or reply list (Redis), created on
 * first use and reused for every call. It is driven by {@link CeleryControl} under its lock, so it
 * need not be thread-safe itself. Every method that talks to the broker connects first when there
 * is no connection (after {@link #disconnect()} or a failure), so a broker outage costs the calls
 * made during it and nothing after.
 */
public interface PidboxTransport extends AutoCloseable {

    /** The control exchange's namespace: "celery" gives {@code celery.pidbox} and {@code reply.celery.pidbox}. */
    String DEFAULT_NAMESPACE = "celery";

    /** {@code reply_to.exchange} of commands that want a reply. */
    String replyExchange();

    /** {@code reply_to.routing_key}: this client's oid. */
    String replyRoutingKey();

    /**
     * Publishes a command body on the fanout exchange.
     *
     * @param commandJson         the body from {@link PidboxMessages#command}
     * @param expiresEpochSeconds the {@code expires} header, 0 for none
     * @return how many receivers the broker handed the command to when it says so (Redis PUBLISH
     *         does: one per subscribed worker), or -1 when it cannot tell (AMQP)
     */
    int publish(byte[] commandJson, double expiresEpochSeconds) throws IOException;

    /**
     * The next message on the reply queue, of any ticket, waiting at most {@code maxWait}.
     *
     * @return null when nothing arrived in time
     */
    PidboxReply receive(Duration maxWait) throws IOException, InterruptedException;

    /** Drops the broker connection (after a failure); the next call reconnects. Never throws. */
    void disconnect();

    /** Removes the reply queue / binding where the broker does not do it by itself, and disconnects. */
    @Override
    void close();
}
