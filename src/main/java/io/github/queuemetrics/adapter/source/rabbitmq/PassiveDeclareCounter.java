package io.github.queuemetrics.adapter.source.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Counts queues of one vhost over AMQP with a passive {@code queue.declare}: its
 * {@code declare-ok} carries {@code message_count} (ready messages only: unacknowledged ones are
 * not in it) and {@code consumer_count}. Live numbers, no management plugin needed.
 *
 * <p>One long-lived connection, opened by the first count and reopened by the next count after a
 * failure. Automatic recovery is off on purpose: a count during an outage must fail (so the
 * adapter serves its last values and then errors) rather than wait for a background recovery.
 *
 * <p>A missing queue makes the broker close the channel with {@code 404 NOT_FOUND - no queue ..};
 * that queue is reported as missing (the source turns it into 0) and the next queue gets a fresh
 * channel. Any other 404 (the queue's node is down, its process crashed: see
 * {@link #isMissingQueue}) fails the count. A
 * channel is reused while no 404 closes it: a fresh channel per queue would cost two more round
 * trips per queue for the same answer.
 */
final class PassiveDeclareCounter implements AutoCloseable {

    /** What a passive declare says about one existing queue. */
    record QueueCount(long ready, long consumers) {
    }

    /** The reply text of a 404 for a queue that does not exist (rabbit_misc:protocol_error not_found "no ~ts"). */
    private static final String NO_QUEUE = "NOT_FOUND - no queue '";

    private final ConnectionFactory factory;
    private final String connectionName;
    private final String description;
    private Connection connection;

    /**
     * @param endpoint       the broker (its vhost is replaced by {@code vhost}), TLS trust and the
     *                       connection, handshake and per-RPC deadline
     * @param vhost          the vhost whose queues this counter declares
     * @param connectionName client-provided connection name, shown by the management UI and rabbitmqctl
     */
    PassiveDeclareCounter(AmqpEndpoint endpoint, String vhost, String connectionName) {
        this.connectionName = connectionName;
        this.description = "AMQP " + endpoint.redacted() + " (vhost '" + vhost + "')";
        this.factory = endpoint.connectionFactory(vhost);
    }

    /**
     * Declares each queue passively. The answer maps every queue of {@code queues} that exists to
     * its count and leaves missing queues out. Throws when the broker cannot be reached or any
     * declare fails for another reason than 404; the connection is then dropped and the next call
     * opens a new one.
     */
    synchronized Map<String, QueueCount> count(List<String> queues) throws IOException {
        Connection conn = connection();
        Map<String, QueueCount> counts = new LinkedHashMap<>();
        Channel channel = null;
        try {
            for (String queue : queues) {
                if (channel == null || !channel.isOpen()) {
                    channel = conn.createChannel();
                    if (channel == null) {
                        throw new IOException("no free channel");
                    }
                }
                try {
                    AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(queue);
                    counts.put(queue, new QueueCount(ok.getMessageCount(), ok.getConsumerCount()));
                } catch (IOException e) {
                    if (!isMissingQueue(e)) {
                        throw e;
                    }
                    channel = null; // the broker closed it with the 404
                }
            }
            closeQuietly(channel);
            return counts;
        } catch (IOException | RuntimeException e) {
            dropConnection();
            throw new IOException(description + ": passive queue.declare failed: " + AmqpEndpoint.reason(e), e);
        }
    }

    /** True while the long-lived connection is open (for tests and diagnostics). */
    synchronized boolean connected() {
        return connection != null && connection.isOpen();
    }

    @Override
    public synchronized void close() {
        dropConnection();
    }

    private Connection connection() throws IOException {
        if (connection != null && connection.isOpen()) {
            return connection;
        }
        dropConnection();
        try {
            connection = factory.newConnection(connectionName);
            return connection;
        } catch (IOException | TimeoutException | RuntimeException e) {
            throw new IOException(description + ": cannot connect: " + AmqpEndpoint.reason(e), e);
        }
    }

    private void dropConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.abort(1000); // closes quietly, also a connection that is already dead
            } catch (RuntimeException ignored) {
                // nothing more to release
            }
        }
    }

    /**
     * The channel-level 404 a passive declare of a queue that does not exist gets:
     * {@code NOT_FOUND - no queue 'x' in vhost 'v'} (rabbit_amqqueue:not_found/1). RabbitMQ uses
     * the same 404 for a queue that exists but cannot answer now (rabbit_amqqueue:priv_absent/4:
     * "home node '..' of durable queue '..' is down or inaccessible", "process is stopped by
     * supervisor", "has crashed and failed to restart", "failed to perform operation on .. due to
     * timeout"); such a queue may hold tasks, so it must fail the poll, not count 0. Only the
     * "no queue" text is taken as missing: any other or future 404 text fails the poll.
     */
    static boolean isMissingQueue(IOException e) {
        return e.getCause() instanceof ShutdownSignalException sse && !sse.isHardError()
                && sse.getReason() instanceof AMQP.Channel.Close close && close.getReplyCode() == 404
                && close.getReplyText() != null && close.getReplyText().startsWith(NO_QUEUE);
    }

    private static void closeQuietly(Channel channel) {
        if (channel != null && channel.isOpen()) {
            try {
                channel.close();
            } catch (IOException | TimeoutException | RuntimeException ignored) {
                // the count is done; a channel that will not close goes with its connection
            }
        }
    }
}
