package io.github.queuemetrics.adapter.workers.celery;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
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

    private final URI amqpUri;
    private final String exchange;
    private final String replyExchange;
    private final String oid = "qma-" + UUID.randomUUID();
    private final String replyQueue;
    private final BlockingQueue<PidboxReply> replies = new LinkedBlockingQueue<>();
    private final Duration connectTimeout;

    private Connection connection;
    private Channel channel;

    public AmqpPidboxTransport(URI amqpUri) {
        this(amqpUri, DEFAULT_NAMESPACE, Duration.ofSeconds(5));
    }

    /**
     * @param amqpUri        amqp(s)://user:pass@host:port/vhost
     * @param namespace      Celery's control exchange name, "celery" by default
     * @param connectTimeout TCP connect and AMQP handshake limit
     */
    public AmqpPidboxTransport(URI amqpUri, String namespace, Duration connectTimeout) {
        this.amqpUri = amqpUri;
        this.exchange = namespace + ".pidbox";
        this.replyExchange = "reply." + namespace + ".pidbox";
        this.replyQueue = oid + "." + replyExchange;
        this.connectTimeout = connectTimeout;
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
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(amqpUri);
        } catch (Exception e) {
            throw new IOException("invalid amqpUri " + Secrets.redact(amqpUri) + ": " + e.getClass().getSimpleName());
        }
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setConnectionTimeout((int) connectTimeout.toMillis());
        factory.setHandshakeTimeout((int) connectTimeout.toMillis());
        factory.setRequestedHeartbeat(30);
        try {
            connection = factory.newConnection(connectionName());
            Channel ch = connection.createChannel();
            // Same flags as kombu (durable=false, auto_delete=false): a mismatch would be a channel error.
            ch.exchangeDeclare(exchange, "fanout", false, false, null);
            ch.exchangeDeclare(replyExchange, "direct", false, false, null);
            ch.queueDeclare(replyQueue, false, false, true, Map.of("x-expires", 10_000));
            ch.queueBind(replyQueue, replyExchange, oid);
            replies.clear(); // whatever was pending belonged to calls that are over
            ch.basicConsume(replyQueue, true, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) {
                    Object ticket = properties.getHeaders() == null ? null : properties.getHeaders().get("ticket");
                    try {
                        replies.add(PidboxMessages.decodeAmqp(ticket, body));
                    } catch (IOException e) {
                        LOG.warn("dropping undecodable pidbox reply on {}: {}", replyQueue, e.getMessage());
                    }
                }
            });
            channel = ch;
            return ch;
        } catch (IOException | TimeoutException | RuntimeException e) {
            disconnect();
            throw new IOException("cannot reach RabbitMQ at " + Secrets.redact(amqpUri) + ": "
                    + Secrets.redact(String.valueOf(e.getMessage())), e);
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
