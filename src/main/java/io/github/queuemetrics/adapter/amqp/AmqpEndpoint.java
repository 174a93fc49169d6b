package io.github.queuemetrics.adapter.amqp;

import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * Where and how every AMQP client of the adapter connects (queue counts, Celery events, Celery
 * remote control): one place that sets TLS and the deadlines, so no client is left with
 * amqp-client's defaults. Those defaults are what this avoids: {@code setUri("amqps://...")}
 * installs a trust-everything manager, and an RPC ({@code channel.open}, a declare) waits 10
 * minutes for a broker that has stopped answering.
 *
 * @param uri     amqp(s)://user:pass@host:port/vhost
 * @param tls     trust for {@code amqps://} (chain and host name are always verified)
 * @param timeout TCP connect, AMQP handshake, every RPC and the shutdown wait
 */
public record AmqpEndpoint(URI uri, BrokerTls tls, Duration timeout) {

    /** What the sources and the worker tracking use unless a test asks for less. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** AMQP heartbeats, in seconds: a silently dead TCP connection is noticed within two of them. */
    public static final int HEARTBEAT_SECONDS = 15;

    /** The JVM's default trust and {@link #DEFAULT_TIMEOUT}. */
    public static AmqpEndpoint of(URI uri) {
        return new AmqpEndpoint(uri, BrokerTls.jvmDefault(), DEFAULT_TIMEOUT);
    }

    /** The {@code amqpUri} of a RabbitMQ source, with its {@code tls.caFile} trust and {@link #DEFAULT_TIMEOUT}. */
    public static AmqpEndpoint forSource(SourceConfig source) {
        return new AmqpEndpoint(source.amqpUri(), BrokerTls.of(source.tlsCaFile()), DEFAULT_TIMEOUT);
    }

    public AmqpEndpoint withTimeout(Duration newTimeout) {
        return new AmqpEndpoint(uri, tls, newTimeout);
    }

    /** True for {@code amqps://}. */
    public boolean usesTls() {
        return "amqps".equalsIgnoreCase(uri.getScheme());
    }

    /**
     * A factory for this endpoint: credentials, host and vhost from the URI (or {@code vhost}
     * when not null), TLS verified, every wait bounded by {@link #timeout}, automatic recovery
     * off (each client reconnects on its own next call, so an outage fails calls instead of
     * queueing them behind a background recovery).
     */
    public ConnectionFactory connectionFactory(String vhost) {
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(uri);
            if (usesTls()) {
                // setUri installed a trust-everything manager for amqps: replace it.
                factory.useSslProtocol(tls.sslContext());
                factory.enableHostnameVerification();
            }
        } catch (GeneralSecurityException | java.net.URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid amqpUri " + redacted() + ": " + e.getMessage(), e);
        }
        if (vhost != null) {
            factory.setVirtualHost(vhost);
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        factory.setConnectionTimeout(millis);
        factory.setHandshakeTimeout(millis);
        factory.setChannelRpcTimeout(millis);
        factory.setShutdownTimeout(millis);
        factory.setRequestedHeartbeat(HEARTBEAT_SECONDS);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        return factory;
    }

    /**
     * The message of the first cause that has one: amqp-client wraps an RPC timeout in an
     * IOException without a message. A timeout always says "timed out".
     */
    public static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return "timed out (" + t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + Secrets.redact(t.getMessage())) + ")";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return Secrets.redact(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        return e.getClass().getSimpleName();
    }

    /** The URI without its password, for logs and errors. */
    public String redacted() {
        return Secrets.redact(uri);
    }

    @Override
    public String toString() {
        return "AmqpEndpoint[" + redacted() + ", " + tls.describe() + ", timeout " + timeout.toMillis() + " ms]";
    }
}
