package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RabbitMqUrisTest {

    @Test
    void vhostOfAnAmqpUri() {
        assertThat(RabbitMqUris.vhostOf(URI.create("amqp://guest:guest@localhost:5672/%2F"))).isEqualTo("/");
        assertThat(RabbitMqUris.vhostOf(URI.create("amqp://localhost:5672"))).isEqualTo("/");
        assertThat(RabbitMqUris.vhostOf(URI.create("amqp://localhost:5672/"))).isEqualTo("/");
        assertThat(RabbitMqUris.vhostOf(URI.create("amqp://localhost/jobs"))).isEqualTo("jobs");
        assertThat(RabbitMqUris.vhostOf(URI.create("amqps://localhost/team%2Fa%20b+c"))).isEqualTo("team/a b+c");
    }

    @Test
    void encodesTheVhostAsOnePathSegment() {
        assertThat(RabbitMqUris.encodePathSegment("/")).isEqualTo("%2F");
        assertThat(RabbitMqUris.encodePathSegment("qma-rabbit_1.x~")).isEqualTo("qma-rabbit_1.x~");
        assertThat(RabbitMqUris.encodePathSegment("a b+c/d?e#f")).isEqualTo("a%20b%2Bc%2Fd%3Fe%23f");
        assertThat(RabbitMqUris.encodePathSegment("é")).isEqualTo("%C3%A9");
    }

    @Test
    void credentialsComeFromTheManagementUriThenTheAmqpUri() {
        URI amqp = URI.create("amqp://app:s%40cret%3A1@rabbit:5672/%2F");
        assertThat(RabbitMqUris.credentials(URI.create("http://mon:pw@rabbit:15672"), amqp))
                .isEqualTo(new RabbitMqUris.Credentials("mon", "pw"));
        assertThat(RabbitMqUris.credentials(URI.create("http://rabbit:15672"), amqp))
                .isEqualTo(new RabbitMqUris.Credentials("app", "s@cret:1"));
        assertThat(RabbitMqUris.credentials(URI.create("http://rabbit:15672"), URI.create("amqp://rabbit")))
                .isEqualTo(new RabbitMqUris.Credentials("guest", "guest"));
        assertThat(RabbitMqUris.credentials(null, amqp).toString()).doesNotContain("s@cret").contains("app");
    }
}
