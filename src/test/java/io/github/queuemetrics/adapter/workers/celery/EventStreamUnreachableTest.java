package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streams pointed at a port nobody listens on keep trying, report why, hide the password, and close. */
class EventStreamUnreachableTest {

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void amqpStreamRetriesAndReportsWithoutPassword() throws Exception {
        URI uri = URI.create("amqp://user:s3cret-pw@127.0.0.1:" + freePort() + "/vh");
        List<String> errors = new ArrayList<>();
        try (AmqpEventStream stream = new AmqpEventStream(uri, "celeryev", "unreachable", e -> { },
                Clock.systemUTC(), Duration.ofMillis(20), Duration.ofMillis(50))) {
            assertRetries(stream, errors);
        }
        assertThat(errors).allSatisfy(e -> assertThat(e).doesNotContain("s3cret-pw"));
    }

    @Test
    void redisStreamRetriesAndReportsWithoutPassword() throws Exception {
        URI uri = URI.create("redis://:s3cret-pw@127.0.0.1:" + freePort() + "/8");
        List<String> errors = new ArrayList<>();
        try (RedisEventStream stream = new RedisEventStream(uri, "", "celeryev", "unreachable", e -> { },
                Clock.systemUTC(), Duration.ofMillis(20), Duration.ofMillis(50))) {
            assertRetries(stream, errors);
        }
        assertThat(errors).allSatisfy(e -> assertThat(e).doesNotContain("s3cret-pw"));
    }

    private static void assertRetries(CeleryEventStream stream, List<String> errors) {
        stream.start();
        stream.start(); // idempotent
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            stream.lastError().ifPresent(errors::add);
            return stream.lastError().isPresent();
        });
        assertThat(stream.connected()).isFalse();
        assertThat(stream.connectCount()).isZero();
        assertThat(stream.eventsReceived()).isZero();
        long began = System.nanoTime();
        stream.close();
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
        // The consumer thread ended with close() (it joins it).
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                && (t.getName().equals("celery-events-amqp") || t.getName().equals("celery-events-redis")));
    }
}
