package io.github.queuemetrics.adapter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

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
    void rejectsWhatIsNotARedisUri() {
        assertThatThrownBy(() -> RedisEndpoint.parse(URI.create("amqp://localhost/"), "n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisEndpoint.parse(URI.create("redis://:pw@localhost/zero"), "n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("pw");
    }
}
