package io.github.queuemetrics.adapter.workers.celery;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Celery events from RabbitMQ: a queue of our own ({@code qma-<uuid>.celeryev}, exclusive,
 * auto-delete, with Celery's {@code event_queue_ttl} 5 s message TTL and {@code
 * event_queue_expires} 60 s), bound with {@code #} to the topic exchange {@code celeryev}, so the
 * batched {@code task.multi} messages are caught along with everything else.
 *
 * <p>The exchange is declared exactly as Celery declares it (kombu {@code Exchange('celeryev',
 * type='topic')}: durable, not auto-delete, no arguments), so whichever side comes first, the
 * other's declaration matches. If someone declared it differently, we fall back to a passive
 * declare rather than fight over it. Both the declaration and our binding are repeated every 5 s
 * while connected: an exchange deleted and re-created (by a worker, without our binding) would
 * otherwise silence the stream on a healthy connection.
 *
 * <p>amqp-client's automatic recovery is off: this stream's own loop reconnects (with a fresh
 * queue, since the exclusive one died with the old connection), so one code path handles the
 * first connect and every later one. Deliveries run on amqp-client's consumer thread.
 */
public final class AmqpEventStream extends ReconnectingEventStream {

    /** Celery's {@code event_queue_ttl} (5.0 s): events nobody reads in time are dropped by the broker. */
    static final int MESSAGE_TTL_MILLIS = 5000;
    /** Celery's {@code event_queue_expires} (60 s): a queue left behind by a vanished consumer goes away. */
    static final int QUEUE_EXPIRES_MILLIS = 60000;
    /** How often the exchange is re-declared and our queue re-bound (see {@link #rebind}). */
    static final long REBIND_EVERY_MILLIS = 5000;

    private final AmqpEndpoint endpoint;
    private final String exchange;
    private final String connectionName;
    private final AtomicReference<Connection> connection = new AtomicReference<>();

    /** Events of the vhost in {@code amqpUri} (amqp[s]://user:pass@host:port/vhost). */
    public AmqpEventStream(URI amqpUri, CeleryEventListener listener) {
        this(amqpUri, EXCHANGE, "qma-celery-events-" + UUID.randomUUID(), listener, Clock.systemUTC(),
                Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    /**
     * @param connectionName the client-provided connection name shown in the management UI
     */
    public AmqpEventStream(URI amqpUri, String exchange, String connectionName, CeleryEventListener listener,
                           Clock clock, Duration initialBackoff, Duration maxBackoff) {
        this(AmqpEndpoint.of(amqpUri), exchange, connectionName, listener, clock, initialBackoff, maxBackoff);
    }

    /**
     * @param endpoint       the broker, its TLS trust and the deadline of connect, handshake and every RPC
     * @param connectionName the client-provided connection name shown in the management UI
     */
    public AmqpEventStream(AmqpEndpoint endpoint, String exchange, String connectionName, CeleryEventListener listener,
                           Clock clock, Duration initialBackoff, Duration maxBackoff) {
        super("celery-events-amqp", listener, initialBackoff, maxBackoff, clock);
        this.endpoint = endpoint;
        this.exchange = exchange;
        this.connectionName = connectionName;
    }

    /** The client-provided name of our connection (RabbitMQ shows it as {@code connection_name}). */
    public String connectionName() {
        return connectionName;
    }

    @Override
    protected void consume() throws Exception {
        // TLS verified, every RPC bounded, heartbeats every 15 s: a silently dead TCP connection is
        // noticed within ~30 s.
        ConnectionFactory factory = endpoint.connectionFactory(null);
        Connection conn = factory.newConnection(connectionName);
        connection.set(conn);
        try {
            CountDownLatch ended = new CountDownLatch(1);
            AtomicReference<ShutdownSignalException> cause = new AtomicReference<>();
            conn.addShutdownListener(signal -> {
                cause.set(signal);
                ended.countDown();
            });
            if (isClosed()) {
                return;
            }
            Channel channel = declareExchange(conn);
            String queue = "qma-" + UUID.randomUUID() + ".celeryev";
            channel.queueDeclare(queue, false, true, true,
                    Map.of("x-message-ttl", MESSAGE_TTL_MILLIS, "x-expires", QUEUE_EXPIRES_MILLIS));
            channel.queueBind(queue, exchange, "#");
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) {
                    deliver(() -> CeleryEventDecoder.fromAmqp(body, properties.getContentType(),
                            properties.getContentEncoding()));
                }

                @Override
                public void handleCancel(String consumerTag) {
                    // Our queue was deleted under us: start over with a fresh connection and queue.
                    conn.abort();
                }
            });
            subscribed();
            while (!ended.await(REBIND_EVERY_MILLIS, TimeUnit.MILLISECONDS)) {
                rebind(conn, queue);
            }
            ShutdownSignalException signal = cause.get();
            if (signal != null && !isClosed()) {
                throw new IOException("connection lost: " + reason(signal));
            }
        } finally {
            connection.compareAndSet(conn, null);
            if (conn.isOpen()) {
                conn.abort(2000);
            }
        }
    }

    /**
     * Declares the exchange and binds our queue again, both idempotent. Deleting the exchange
     * drops its bindings and the workers re-create it without ours: the events would stop while
     * the connection looks healthy. A failure here is left to the next round (a lost connection
     * ends the loop by itself).
     */
    private void rebind(Connection conn, String queue) {
        try {
            Channel channel = declareExchange(conn);
            try {
                channel.queueBind(queue, exchange, "#");
            } finally {
                if (channel.isOpen()) {
                    channel.abort();
                }
            }
        } catch (IOException | RuntimeException e) {
            // e.g. the exchange was deleted between declare and bind: the next round binds it
        }
    }

    private Channel declareExchange(Connection conn) throws IOException {
        Channel channel = conn.createChannel();
        try {
            channel.exchangeDeclare(exchange, "topic", true, false, null);
            return channel;
        } catch (IOException e) {
            // PRECONDITION_FAILED closed the channel: the exchange exists with other settings. Use it as it is.
            Channel passive = conn.createChannel();
            passive.exchangeDeclarePassive(exchange);
            return passive;
        }
    }

    private static String reason(ShutdownSignalException signal) {
        Object method = signal.getReason();
        if (method instanceof AMQP.Connection.Close close) {
            return close.getReplyCode() + " " + close.getReplyText();
        }
        return signal.getMessage();
    }

    @Override
    protected void abort() {
        Connection conn = connection.get();
        if (conn != null) {
            conn.abort(2000);
        }
    }

    /** amqp-client reports an RPC timeout as an IOException without a message: name the timeout. */
    @Override
    protected String failure(Throwable e) {
        return AmqpEndpoint.reason(e);
    }

    @Override
    protected String describe() {
        return endpoint.redacted() + " exchange " + exchange;
    }
}
