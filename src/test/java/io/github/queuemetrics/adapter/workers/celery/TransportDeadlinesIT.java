package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The worker-tracking transports against a broker that hangs (a {@link TcpProxy} that accepts and
 * never answers) rather than refuses: every call ends with an error within its deadline. Also the
 * transport details that only a real broker shows: a Redis URI without a port, the bounds of the
 * AMQP reply queue. RabbitMQ vhost {@code h6-transport}, Redis DB 14.
 */
class TransportDeadlinesIT {

    static final String VHOST = "h6-transport";
    static final int DB = 14;
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void redisPidboxReceiveOnAHungBrokerFailsWithinItsDeadline() throws Exception {
        URI redis = Brokers.redisUri(DB);
        try (TcpProxy proxy = new TcpProxy(redis.getHost(), redis.getPort());
             RedisPidboxTransport transport = new RedisPidboxTransport(URI.create("redis://" + redis.getHost() + ":"
                     + proxy.port() + "/" + DB), "", "\u0006\u0016", "celery", Duration.ofSeconds(2))) {
            transport.publish("{}".getBytes(StandardCharsets.UTF_8), 0); // connected and working
            proxy.hang();
            long began = System.nanoTime();
            // Before the fix BRPOP ran with Jedis' infinite blocking timeout: this waited forever.
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    assertThatThrownBy(() -> transport.receive(Duration.ofSeconds(1)))
                            .isInstanceOf(IOException.class)
                            .hasMessageContaining("timed out"));
            // the wait asked for (1 s) plus the read deadline (2 s), and a margin for a loaded machine
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void amqpPidboxConnectToABrokerThatHangsAfterTheHandshakeFailsWithinItsDeadline() throws Exception {
        URI amqp = Brokers.rabbitVhost(VHOST);
        try (TcpProxy proxy = new TcpProxy(amqp.getHost(), amqp.getPort())) {
            URI proxied = viaProxy(amqp, proxy);
            proxy.hangAfterUpstreamBytes(handshakeBytes(proxy, proxied));
            try (AmqpPidboxTransport transport = new AmqpPidboxTransport(proxied, "celery", Duration.ofSeconds(2))) {
                long began = System.nanoTime();
                // Before the fix the channel.open RPC waited amqp-client's default 10 minutes.
                assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                        assertThatThrownBy(() -> transport.publish("{}".getBytes(StandardCharsets.UTF_8), 0))
                                .isInstanceOf(IOException.class)
                                .hasMessageContaining("timed out"));
                assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(8));
            }
        }
    }

    @Test
    void amqpEventStreamOnABrokerThatHangsAfterTheHandshakeReportsATimeout() throws Exception {
        URI amqp = Brokers.rabbitVhost(VHOST);
        try (TcpProxy proxy = new TcpProxy(amqp.getHost(), amqp.getPort())) {
            URI proxied = viaProxy(amqp, proxy);
            proxy.hangAfterUpstreamBytes(handshakeBytes(proxy, proxied));
            try (AmqpEventStream stream = new AmqpEventStream(proxied, "celeryev", "h6-transport-hung-events",
                    e -> { }, Clock.systemUTC(), Duration.ofMillis(100), Duration.ofMillis(200))) {
                stream.start();
                // Before the fix the exchange declare waited amqp-client's default 10 minutes.
                await().atMost(Duration.ofSeconds(25)).until(() -> stream.lastError().isPresent());
                assertThat(stream.lastError().orElseThrow()).containsIgnoringCase("timeout");
                assertThat(stream.connected()).isFalse();
            }
        }
    }

    @Test
    void redisTransportsWithoutAPortInTheUriUseTheDefaultPort() throws Exception {
        URI redis = Brokers.redisUri(DB);
        if (redis.getPort() != 6379) {
            fail("this test needs the Redis server on the default port 6379, found " + redis);
        }
        URI portless = URI.create("redis://" + redis.getHost() + "/" + DB);
        try (RedisPidboxTransport transport = new RedisPidboxTransport(portless)) {
            assertThat(transport.publish("{}".getBytes(StandardCharsets.UTF_8), 0)).isGreaterThanOrEqualTo(0);
        }
        try (RedisEventStream stream = new RedisEventStream(portless, "", "celeryev", "h6-transport-portless",
                e -> { }, Clock.systemUTC(), Duration.ofMillis(100), Duration.ofMillis(200))) {
            stream.start();
            await().atMost(Duration.ofSeconds(10)).until(stream::connected);
        }
    }

    @Test
    void amqpReplyQueueIsBoundedAndOnlyTheAdapterDeclaresIt() throws Exception {
        URI amqp = Brokers.rabbitVhost(VHOST);
        try (AmqpPidboxTransport transport = new AmqpPidboxTransport(amqp)) {
            transport.publish("{}".getBytes(StandardCharsets.UTF_8), 0);
            JsonNode queue = managementGet("/api/queues/" + VHOST + "/" + transport.replyQueue());
            JsonNode args = queue.path("arguments");
            assertThat(args.path("x-max-length").asInt()).isPositive();
            assertThat(args.path("x-max-length-bytes").asInt()).isPositive();
            assertThat(args.path("x-overflow").asText()).isEqualTo("drop-head");
            assertThat(args.path("x-expires").asInt()).isPositive();
            // kombu names reply queues "<oid>.reply.celery.pidbox" after a uuid4 oid; ours can never be one
            assertThat(transport.replyQueue()).startsWith("qma-").doesNotEndWith(".reply.celery.pidbox");
        }
    }

    /** Bytes RabbitMQ sends a client up to connection.open-ok: what a new connection gets before it hangs. */
    static long handshakeBytes(TcpProxy proxy, URI proxied) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(proxied);
        Connection probe = factory.newConnection("h6-transport-handshake-probe");
        long bytes = proxy.lastConnectionUpstreamBytes();
        probe.close();
        return bytes;
    }

    static URI viaProxy(URI uri, TcpProxy proxy) {
        return URI.create(uri.getScheme() + "://" + uri.getRawUserInfo() + "@" + uri.getHost() + ":" + proxy.port()
                + uri.getRawPath());
    }

    static JsonNode managementGet(String path) throws IOException, InterruptedException {
        URI amqp = Brokers.rabbitAmqpUri();
        String userInfo = amqp.getUserInfo() == null ? "guest:guest" : amqp.getUserInfo();
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(Brokers.rabbitManagementUri().resolve(path))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                userInfo.getBytes(StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
