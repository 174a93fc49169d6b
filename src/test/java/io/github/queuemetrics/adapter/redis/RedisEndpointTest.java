package io.github.queuemetrics.adapter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.workers.celery.RedisEventStream;
import io.github.queuemetrics.adapter.workers.celery.RedisPidboxTransport;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

class RedisEndpointTest {

    @Test
    void parsesHostPortDbAndCredentials() {
        RedisEndpoint e = RedisEndpoint.parse(URI.create("redis://user:p%40ss@redis.example:6380/3"), "qma-x");
        assertThat(e.hostAndPort().getHost()).isEqualTo("redis.example");
        assertThat(e.hostAndPort().getPort()).isEqualTo(6380);
        assertThat(e.clientConfig().getDatabase()).isEqualTo(3);
        assertThat(e.clientConfig().getUser()).isEqualTo("user");
        assertThat(e.clientConfig().getPassword()).isEqualTo("p@ss");
        assertThat(e.clientConfig().getClientName()).isEqualTo("qma-x");
        assertThat(e.clientConfig().getConnectionTimeoutMillis()).isEqualTo(2000);
        assertThat(e.clientConfig().getSocketTimeoutMillis()).isEqualTo(5000);
        assertThat(e.clientConfig().isSsl()).isFalse();
        assertThat(e.redactedUri()).isEqualTo("redis://user:***@redis.example:6380/3").doesNotContain("p%40ss");
    }

    @Test
    void defaultsAndPasswordOnly() {
        RedisEndpoint e = RedisEndpoint.parse(URI.create("rediss://:secret@localhost"), "n");
        assertThat(e.hostAndPort().getPort()).isEqualTo(6379);
        assertThat(e.clientConfig().getDatabase()).isZero();
        assertThat(e.clientConfig().getUser()).isNull();
        assertThat(e.clientConfig().getPassword()).isEqualTo("secret");
        assertThat(e.clientConfig().isSsl()).isTrue();
    }

    @Test
    void everyWaitHasADeadlineIncludingBlockingCommands() {
        RedisEndpoint e = RedisEndpoint.parse(URI.create("redis://localhost/0"), "n");
        // 0 would be Jedis' "forever" for BRPOP and SUBSCRIBE
        assertThat(e.clientConfig().getBlockingSocketTimeoutMillis())
                .isEqualTo(RedisEndpoint.SOCKET_TIMEOUT_MILLIS + RedisEndpoint.MAX_BLOCKING_WAIT_MILLIS);
        RedisEndpoint shorter = e.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(400), Duration.ofMillis(900));
        assertThat(shorter.clientConfig().getConnectionTimeoutMillis()).isEqualTo(300);
        assertThat(shorter.clientConfig().getSocketTimeoutMillis()).isEqualTo(400);
        assertThat(shorter.clientConfig().getBlockingSocketTimeoutMillis()).isEqualTo(900);
        assertThat(shorter.clientConfig().getClientName()).isEqualTo("n");
    }

    @Test
    void redissVerifiesTheHostNameAndKeepsItThroughCopies() {
        RedisEndpoint e = RedisEndpoint.parse(URI.create("rediss://redis.example/0"), "n")
                .withClientName("other").withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(e.clientConfig().isSsl()).isTrue();
        assertThat(e.clientConfig().getSslSocketFactory()).isNotNull();
        assertThat(e.clientConfig().getSslParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(e.clientConfig().getClientName()).isEqualTo("other");
    }

    /** The worker-tracking transports once read the URI with JedisURIHelper: no port was port -1. */
    @Test
    void theWorkerTrackingTransportsReadAUriWithoutAPortAsTheCountsDo() {
        URI portless = URI.create("redis://:pw@redis.example/4");
        try (RedisPidboxTransport pidbox = new RedisPidboxTransport(portless);
             RedisEventStream events = new RedisEventStream(portless, e -> { })) {
            assertThat(pidbox.endpoint().hostAndPort()).isEqualTo(new HostAndPort("redis.example", 6379));
            assertThat(pidbox.endpoint().database()).isEqualTo(4);
            assertThat(pidbox.endpoint().clientConfig().getPassword()).isEqualTo("pw");
            assertThat(events.endpoint().hostAndPort()).isEqualTo(new HostAndPort("redis.example", 6379));
            assertThat(events.endpoint().database()).isEqualTo(4);
            assertThat(events.patterns()[0]).startsWith("/4.celeryev");
        }
    }

    @Test
    void rejectsWhatIsNotARedisUri() {
        assertThatThrownBy(() -> RedisEndpoint.parse(URI.create("amqp://localhost/"), "n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisEndpoint.parse(URI.create("redis://:pw@localhost/zero"), "n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("pw");
    }
}
