package io.github.queuemetrics.adapter.workers.celery;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import io.github.queuemetrics.adapter.config.Secrets;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pidbox over RabbitMQ with the Java amqp-client (broker-protocols.md §3 "AMQP wire").
 *
 * <p>Commands go to the fanout exchange {@code celery.pidbox}; replies come back through the direct
 * exchange {@code reply.celery.pidbox} with this client's oid as routing key, into the queue
 * {@code <oid>.reply.celery.pidbox} (auto-delete, x-expires 10 s as kombu declares it, so the
 * broker removes it when this client goes away). The queue has one autoAck consumer whose
 * deliveries wait in memory until {@link #receive} takes them.
 */
public final class AmqpPidboxTransport implements PidboxTransport {

    private static final Logger LOG = LoggerFactory.getLogger(AmqpPidboxTransport.class);
    /** Longest slice a receive blocks before it checks that the channel is still open. */
    private static final long CHECK_MILLIS = 200;
    /** Replies a poll can use come from one worker each; a thousand is far beyond any fleet's answer. */
    static final int REPLY_QUEUE_MAX_LENGTH = 1000;
    /** A bound on what unread replies may hold in the broker, whatever their size. */
    static final int REPLY_QUEUE_MAX_BYTES = 16 * 1024 * 1024;
    /** Celery's own x-expires of reply queues (kombu's reply_queue_expires, 10 s). */
    static final int REPLY_QUEUE_EXPIRES_MILLIS = 10_000;

    private final AmqpEndpoint endpoint;
    private final String exchange;
    private final String replyExchange;
    private final String oid = "qma-" + UUID.randomUUID();
    private final String replyQueue;
    private final BlockingQueue<PidboxReply> replies = new LinkedBlockingQueue<>(REPLY_QUEUE_MAX_LENGTH);

    private Connection connection;
    private Channel channel;

    public AmqpPidboxTransport(URI amqpUri) {
        this(AmqpEndpoint.of(amqpUri).withTimeout(Duration.ofSeconds(5)), DEFAULT_NAMESPACE);
    }

    /**
     * @param amqpUri   amqp(s)://user:pass@host:port/vhost
     * @param namespace Celery's control exchange name, "celery" by default
     * @param timeout   TCP connect, AMQP handshake and RPC limit
     */
    public AmqpPidboxTransport(URI amqpUri, String namespace, Duration timeout) {
        this(AmqpEndpoint.of(amqpUri).withTimeout(timeout), namespace);
    }

    /**
     * @param endpoint  the broker, its TLS trust and the deadline of connect, handshake and every RPC
     * @param namespace Celery's control exchange name, "celery" by default
     */
    public AmqpPidboxTransport(AmqpEndpoint endpoint, String namespace) {
        this.endpoint = endpoint;
        this.exchange = namespace + ".pidbox";
        this.replyExchange = "reply." + namespace + ".pidbox";
        this.replyQueue = oid + ".pidbox-replies";
    }

    @Override
    public String replyExchange() {
        return replyExchange;
    }

    @Override
    public String replyRoutingKey() {
        return oid;
    }

    /** The client-provided connection name, unique per client (shown by the management UI). */
    public String connectionName() {
        return "queue-metrics-adapter pidbox " + oid;
    }

    /** The reply queue's name (for tests and diagnostics). */
    public String replyQueue() {
        return replyQueue;
    }

    @Override
    public int publish(byte[] commandJson, double expiresEpochSeconds) throws IOException {
        Channel ch = connected();
        Map<String, Object> headers = new HashMap<>();
        headers.put("clock", 0);
        headers.put("expires", expiresEpochSeconds > 0 ? (Object) expiresEpochSeconds : (Object) 0);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .contentEncoding("utf-8")
                .deliveryMode(1)
                .headers(headers)
                .build();
        try {
            ch.basicPublish(exchange, "", props, commandJson);
        } catch (IOException | RuntimeException e) {
            disconnect();
            throw new IOException("publishing to " + exchange + " failed: " + e.getMessage(), e);
        }
        return -1;
    }

    @Override
    public PidboxReply receive(Duration maxWait) throws IOException, InterruptedException {
        Channel ch = connected();
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            PidboxReply reply = replies.poll(Math.max(0, Math.min(left, CHECK_MILLIS)), TimeUnit.MILLISECONDS);
            if (reply != null) {
                return reply;
            }
            if (!ch.isOpen()) {
                String why = String.valueOf(ch.getCloseReason() == null ? "closed" : ch.getCloseReason().getMessage());
                disconnect();
                throw new IOException("RabbitMQ connection lost while waiting for pidbox replies: "
                        + Secrets.redact(why));
            }
            if (left <= 0) {
                return null;
            }
        }
    }

    private Channel connected() throws IOException {
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        disconnect();
        ConnectionFactory factory;
        try {
            factory = endpoint.connectionFactory(null);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            connection = factory.newConnection(connectionName());
            Channel ch = connection.createChannel();
            // Same flags as kombu (durable=false, auto_delete=false): a mismatch would be a channel error.
            ch.exchangeDeclare(exchange, "fanout", false, false, null);
            ch.exchangeDeclare(replyExchange, "direct", false, false, null);
            ch.queueDeclare(replyQueue, false, false, true, Map.of(
                    "x-expires", REPLY_QUEUE_EXPIRES_MILLIS,
                    "x-max-length", REPLY_QUEUE_MAX_LENGTH,
                    "x-max-length-bytes", REPLY_QUEUE_MAX_BYTES,
                    "x-overflow", "drop-head"));
            ch.queueBind(replyQueue, replyExchange, oid);
            replies.clear(); // whatever was pending belonged to calls that are over
            ch.basicConsume(replyQueue, true, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) {
                    Object ticket = properties.getHeaders() == null ? null : properties.getHeaders().get("ticket");
                    try {
                        PidboxReply reply = PidboxMessages.decodeAmqp(ticket, body);
                        while (!replies.offer(reply)) {
                            replies.poll(); // full: nobody reads them; the oldest go first, as in the queue
                        }
                    } catch (IOException e) {
                        LOG.warn("dropping undecodable pidbox reply on {}: {}", replyQueue, e.getMessage());
                    }
                }
            });
            channel = ch;
            return ch;
        } catch (IOException | TimeoutException | RuntimeException e) {
            disconnect();
            throw new IOException("cannot reach RabbitMQ at " + endpoint.redacted() + ": " + AmqpEndpoint.reason(e), e);
        }
    }

    @Override
    public void disconnect() {
        Connection c = connection;
        connection = null;
        channel = null;
        if (c != null) {
            try {
                c.abort(1000);
            } catch (RuntimeException e) {
                LOG.debug("abort of a broken connection failed", e);
            }
        }
    }

    /** The broker deletes the auto-delete reply queue once its consumer is gone. */
    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        channel = null;
        if (c != null) {
            try {
                c.close(2000);
            } catch (IOException | RuntimeException e) {
                c.abort(1000);
            }
        }
    }
}
