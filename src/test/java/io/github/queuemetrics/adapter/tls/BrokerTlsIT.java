package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.source.celery.CeleryRedisSource;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource;
import io.github.queuemetrics.adapter.source.rq.RqSource;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.github.queuemetrics.adapter.testsupport.TlsProxy;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import io.github.queuemetrics.adapter.workers.WorkerTrackers;
import io.github.queuemetrics.adapter.workers.celery.AmqpEventStream;
import io.github.queuemetrics.adapter.workers.celery.AmqpPidboxTransport;
import io.github.queuemetrics.adapter.workers.celery.CeleryEventStream;
import io.github.queuemetrics.adapter.workers.celery.PidboxTransport;
import io.github.queuemetrics.adapter.workers.celery.RedisEventStream;
import io.github.queuemetrics.adapter.workers.celery.RedisPidboxTransport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every broker client verifies TLS: the certificate chain against the source's {@code tls.caFile}
 * (or the JVM's trust store) and the host name against the certificate. A {@link TlsProxy} in
 * front of the real RabbitMQ (AMQP and management API) and Redis presents, in turn, a certificate
 * of the configured CA for {@code localhost} (connects), one of an unknown CA (fails), one of the
 * right CA for another host name (fails); and without {@code caFile} the JVM's trust store, which
 * does not know the test CA (fails). amqp-client's {@code setUri("amqps://...")} alone trusted
 * every certificate, jedis checked the chain but not the host name.
 *
 * <p>RabbitMQ vhost {@code h6-transport}, Redis DB 14.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class BrokerTlsIT {

    static final String VHOST = "h6-transport";
    static final int DB = 14;

    @TempDir
    static Path dir;
    static Path caFile;
    static final List<TlsProxy> PROXIES = new java.util.ArrayList<>();
    /** Per target: proxies presenting the good, unknown-CA and wrong-host certificates. */
    static Proxies amqp;
    static Proxies redis;
    static Proxies management;
    static URI amqpPlain;

    record Proxies(int good, int unknownCa, int wrongHost) {
        int port(Case c) {
            return switch (c) {
                case RIGHT_CA_RIGHT_HOST, JVM_DEFAULT_TRUST -> good;
                case UNKNOWN_CA -> unknownCa;
                case RIGHT_CA_WRONG_HOST -> wrongHost;
            };
        }
    }

    enum Case {
        RIGHT_CA_RIGHT_HOST(true), UNKNOWN_CA(false), RIGHT_CA_WRONG_HOST(false), JVM_DEFAULT_TRUST(false);

        final boolean connects;

        Case(boolean connects) {
            this.connects = connects;
        }
    }

    /** One broker client of the adapter: connects through {@code config}'s URIs or throws. */
    @FunctionalInterface
    interface Client {
        void connect(SourceConfig config) throws Exception;
    }

    @BeforeAll
    static void proxies() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("h6-transport test CA");
        TestCertificates.Authority stranger = TestCertificates.authority("someone else's CA");
        caFile = ca.writePem(dir, "ca.pem");
        amqpPlain = Brokers.rabbitVhost(VHOST);
        URI redisUri = Brokers.redisUri(DB);
        URI managementUri = Brokers.rabbitManagementUri();
        amqp = start(ca, stranger, amqpPlain.getHost(), amqpPlain.getPort());
        redis = start(ca, stranger, redisUri.getHost(), redisUri.getPort());
        management = start(ca, stranger, managementUri.getHost(), managementUri.getPort());
    }

    static Proxies start(TestCertificates.Authority ca, TestCertificates.Authority stranger, String host, int port)
            throws Exception {
        TlsProxy good = new TlsProxy(ca.issue("localhost", "127.0.0.1"), host, port);
        TlsProxy unknown = new TlsProxy(stranger.issue("localhost", "127.0.0.1"), host, port);
        TlsProxy wrong = new TlsProxy(ca.issue("broker.elsewhere.example"), host, port);
        PROXIES.addAll(List.of(good, unknown, wrong));
        return new Proxies(good.port(), unknown.port(), wrong.port());
    }

    @AfterAll
    static void stop() throws Exception {
        for (TlsProxy p : PROXIES) {
            p.close();
        }
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        clients().forEach((name, client) -> {
            for (Case c : Case.values()) {
                all.add(Arguments.of(name, c, client));
            }
        });
        return all.build();
    }

    static java.util.Map<String, Client> clients() {
        java.util.Map<String, Client> clients = new java.util.LinkedHashMap<>();
        clients.put("rabbitmq counts (AMQP)", config -> poll(new RabbitMqSource(new SourceConfig(config.name(),
                SourceType.RABBITMQ, config.amqpUri(), null, List.of(VHOST), null, config.queues(), null,
                WorkerKind.NONE, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null, null, 0, null,
                config.tlsCaFile(), null))));
        clients.put("rabbitmq counts (management API)", config -> poll(new RabbitMqSource(new SourceConfig(
                config.name(), SourceType.RABBITMQ, amqpPlain, config.managementUri(), List.of(VHOST), null,
                List.of("h6-transport-tls"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(30), null, null, null, null, 0, null, config.tlsCaFile(), null))));
        clients.put("celery events (AMQP)", config -> subscribe(new AmqpEventStream(AmqpEndpoint.forSource(config),
                CeleryEventStream.EXCHANGE, "h6-transport-tls-events", e -> { }, Clock.systemUTC(),
                Duration.ofMillis(100), Duration.ofMillis(200))));
        clients.put("celery remote control (AMQP)", config -> publish(new AmqpPidboxTransport(
                AmqpEndpoint.forSource(config).withTimeout(Duration.ofSeconds(5)), PidboxTransport.DEFAULT_NAMESPACE)));
        clients.put("celery-redis counts", config -> poll(new CeleryRedisSource(redisConfig(config, SourceType.CELERY_REDIS))));
        clients.put("rq counts", config -> poll(new RqSource(redisConfig(config, SourceType.RQ))));
        clients.put("celery events (Redis)", config -> subscribe(new RedisEventStream(
                RedisEndpoint.forSource(redisConfig(config, SourceType.CELERY_REDIS), "h6-transport-tls-events"), "",
                CeleryEventStream.EXCHANGE, e -> { }, Clock.systemUTC(), Duration.ofMillis(100),
                Duration.ofMillis(200))));
        clients.put("celery remote control (Redis)", config -> publish(new RedisPidboxTransport(
                RedisEndpoint.forSource(redisConfig(config, SourceType.CELERY_REDIS), "h6-transport-tls-pidbox"), "",
                "\u0006\u0016", PidboxTransport.DEFAULT_NAMESPACE)));
        clients.put("rq workers", config -> {
            SourceConfig rq = redisConfig(config, SourceType.RQ);
            WorkerTracker tracker = WorkerTrackers.forSource(new SourceConfig(rq.name(), rq.type(), null, null,
                    List.of(), rq.uri(), rq.queues(), null, WorkerKind.RQ, List.of(), rq.pollInterval(),
                    rq.maxStaleness(), null, null, null, null, 0, null, rq.tlsCaFile(), null), Clock.systemUTC()).orElseThrow();
            try {
                tracker.refresh(rq.queues(), Instant.now());
            } finally {
                tracker.close();
            }
        });
        return clients;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void verifiesChainAndHostName(String client, Case c, Client connect) {
        SourceConfig config = config(c);
        if (c.connects) {
            assertThatCode(() -> connect.connect(config)).as(client).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> connect.connect(config)).as(client).satisfies(e ->
                    assertThat(chain(e)).containsAnyOf("PKIX", "certificat", "Certificat", "subject alternative",
                            "SSL", "handshake"));
        }
    }

    /** A rabbitmq source whose amqps and https URIs go to the proxies of case {@code c}. */
    static SourceConfig config(Case c) {
        URI amqps = URI.create("amqps://" + amqpPlain.getRawUserInfo() + "@localhost:" + amqp.port(c) + "/" + VHOST);
        URI https = URI.create("https://localhost:" + management.port(c));
        // a redis URI is carried in uri for the Redis clients (redisConfig)
        URI rediss = URI.create("rediss://localhost:" + redis.port(c) + "/" + DB);
        return new SourceConfig("h6-transport-tls", SourceType.RABBITMQ, amqps, https, List.of(VHOST), rediss,
                List.of("h6-transport-tls"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(30), null, null, null, null, 0, null, c == Case.JVM_DEFAULT_TRUST ? null : caFile, null);
    }

    static SourceConfig redisConfig(SourceConfig c, SourceType type) {
        return new SourceConfig(c.name(), type, null, null, List.of(), c.uri(), c.queues(), null, WorkerKind.NONE,
                List.of(), c.pollInterval(), c.maxStaleness(), null, null, null, null, 0, null, c.tlsCaFile(), null);
    }

    static void poll(QueueSource source) throws Exception {
        try {
            source.poll();
        } finally {
            source.close();
        }
    }

    static void publish(PidboxTransport transport) throws Exception {
        try {
            transport.publish("{}".getBytes(StandardCharsets.UTF_8), 0);
        } finally {
            transport.close();
        }
    }

    /** Waits for the subscription or the stream's first error; throws that error. */
    static void subscribe(CeleryEventStream stream) throws Exception {
        try {
            stream.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> stream.connected() || stream.lastError().isPresent());
            if (!stream.connected()) {
                throw new java.io.IOException(stream.lastError().orElseThrow());
            }
        } finally {
            stream.close();
        }
    }

    static String chain(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" / ");
        }
        return all.toString();
    }
}
