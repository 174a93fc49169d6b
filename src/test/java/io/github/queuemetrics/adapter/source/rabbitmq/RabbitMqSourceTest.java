package io.github.queuemetrics.adapter.source.rabbitmq;

import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.pageBody;
import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RabbitMqSourceTest {

    static SourceConfig config(String name, URI amqp, URI management, List<String> vhosts, List<String> queues,
                               Pattern pattern) {
        return new SourceConfig(name, SourceType.RABBITMQ, amqp, management, vhosts, null, queues, pattern,
                null, null, Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
    }

    private static final String WITH_STATS = "{\"name\":\"celery\",\"vhost\":\"/\",\"messages_ready\":7,"
            + "\"messages_unacknowledged\":2,\"consumers\":1,\"message_stats\":{\"publish_details\":"
            + "{\"avg_rate\":1.5,\"rate\":3.0},\"ack_details\":{\"avg_rate\":0.5,\"rate\":0.0}}}";

    @Test
    void managementModeReportsCountsRatesAndZeroForAMissingQueue() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(200,
                pageBody(1, 1, 3, WITH_STATS, queue("idle", 0, 0, 0), "{\"name\":\"fresh\",\"vhost\":\"/\"}")));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://u:p@localhost/%2F"),
                     api.uri(null), List.of(), List.of("celery", "idle", "absent", "fresh"), null))) {
            assertThat(source.vhosts()).containsExactly("/");
            SourceSnapshot snapshot = source.poll();
            assertThat(snapshot.source()).isEqualTo("rabbit");
            Map<String, QueueSample> byQueue = byQueue(snapshot);
            assertThat(byQueue.get("celery").labels())
                    .containsExactly(Map.entry("source", "rabbit"), Map.entry("queue", "celery"), Map.entry("vhost", "/"));
            assertThat(byQueue.get("celery").values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QueueMetric.READY, 7.0, QueueMetric.UNACKED, 2.0, QueueMetric.OUTSTANDING, 9.0,
                    QueueMetric.CONSUMERS, 1.0, QueueMetric.ARRIVAL_RATE, 1.5, QueueMetric.COMPLETION_RATE, 0.5));
            // an existing queue without message_stats has had no traffic: rates 0
            assertThat(byQueue.get("idle").values()).containsEntry(QueueMetric.ARRIVAL_RATE, 0.0)
                    .containsEntry(QueueMetric.READY, 0.0);
            // a configured queue the broker does not have: every metric of the mode is 0
            assertThat(byQueue.get("absent").values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QueueMetric.READY, 0.0, QueueMetric.UNACKED, 0.0, QueueMetric.OUTSTANDING, 0.0,
                    QueueMetric.CONSUMERS, 0.0, QueueMetric.ARRIVAL_RATE, 0.0, QueueMetric.COMPLETION_RATE, 0.0,
                    QueueMetric.OLDEST_AGE_SECONDS, 0.0));
            // a queue whose statistics are not emitted yet is unmeasured, not empty
            assertThat(byQueue.get("fresh").values()).doesNotContainKeys(QueueMetric.READY, QueueMetric.UNACKED,
                    QueueMetric.OUTSTANDING, QueueMetric.CONSUMERS);
            assertThat(byQueue.get("celery").values()).doesNotContainKey(QueueMetric.RUNNING);
        }
    }

    /**
     * The plugin reports negative rates after a counter reset (a queue re-declared on another node,
     * stats DB reset): the rate is then unknown, so it is absent (never a negative value, which the
     * API cannot serve, and never a clamped 0, which could be lower than the truth).
     */
    @Test
    void negativeRatesAreAbsentNotServed() throws Exception {
        String negative = "{\"name\":\"celery\",\"vhost\":\"/\",\"messages_ready\":7,"
                + "\"messages_unacknowledged\":2,\"consumers\":1,\"message_stats\":{\"publish_details\":"
                + "{\"avg_rate\":-1.5,\"rate\":3.0},\"ack_details\":{\"rate\":-0.2}}}";
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(200,
                pageBody(1, 1, 1, negative)));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://u:p@localhost/%2F"),
                     api.uri(null), List.of(), List.of("celery"), null))) {
            QueueSample celery = byQueue(source.poll()).get("celery");
            assertThat(celery.values()).doesNotContainKeys(QueueMetric.ARRIVAL_RATE, QueueMetric.COMPLETION_RATE);
            assertThat(celery.values()).containsEntry(QueueMetric.READY, 7.0).containsEntry(QueueMetric.OUTSTANDING, 9.0);
            assertThat(celery.values().values()).allSatisfy(v -> assertThat(v).isNotNegative());
        }
    }

    @Test
    void patternModeDiscoversBrokerQueuesButNotCeleryPlumbing() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(200, pageBody(1, 1, 4,
                queue("celery", 1, 0, 1), queue("celery@w1.celery.pidbox", 0, 0, 1),
                queue("celeryev.0b6e", 3, 0, 1), queue("other", 5, 0, 0))));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/jobs"),
                     api.uri(null), List.of(), List.of(), Pattern.compile("^celery")))) {
            SourceSnapshot snapshot = source.poll();
            assertThat(snapshot.queues()).extracting(QueueSample::queue).containsExactly("celery");
            assertThat(snapshot.queues().get(0).labels()).containsEntry("vhost", "jobs");
            assertThat(api.requests.get(0).rawPath()).isEqualTo("/api/queues/jobs");
        }
    }

    @Test
    void pollsEveryConfiguredVhostOnce() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(200,
                pageBody(1, 1, 1, queue("celery", uri.getRawPath().endsWith("a") ? 1 : 2, 0, 0))));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/%2F"),
                     api.uri("mon:pw"), List.of("a", "b"), List.of("celery"), null))) {
            List<QueueSample> samples = source.poll().queues();
            assertThat(samples).extracting(s -> s.labels().get("vhost")).containsExactly("a", "b");
            assertThat(samples).extracting(s -> s.values().get(QueueMetric.READY)).containsExactly(1.0, 2.0);
            assertThat(api.requests).extracting(FakeManagementApi.HttpExchangeRecord::rawPath)
                    .containsExactly("/api/queues/a", "/api/queues/b");
        }
    }

    @Test
    void aFailedPollThrowsAndNeverAnswersZeros() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(500, "{\"error\":\"boom\"}"));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://u:hunter2@localhost/%2F"),
                     api.uri(null), List.of(), List.of("celery"), null))) {
            assertThatThrownBy(source::poll).hasMessageContaining("answered 500").hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void aPatternWithoutManagementUriIsRefused() {
        assertThatThrownBy(() -> new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/%2F"), null,
                List.of(), List.of(), Pattern.compile(".*"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queuePattern needs managementUri for rabbitmq");
    }

    @Test
    void amqpModeNeedsNoConnectionToBeBuiltOrClosed() {
        RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://u:p@localhost:1/v"), null,
                List.of(), List.of("celery"), null));
        assertThat(source.vhosts()).containsExactly("v");
        source.close();
    }

    /** A clock the test moves by hand. */
    private static final class ManualClock extends java.time.Clock {
        final java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis.get());
        }
    }

    private static String counted(String name, long ready, long published, long deliverGet) {
        return "{\"name\":\"" + name + "\",\"vhost\":\"/\",\"messages_ready\":" + ready
                + ",\"messages_unacknowledged\":0,\"consumers\":0,\"message_stats\":{\"publish\":" + published
                + ",\"deliver_get\":" + deliverGet + ",\"redeliver\":1}}";
    }

    @Test
    void oldestAgeIsDatedFromThePublishCounterAcrossPollsAndForgottenWithTheQueue() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> items = new java.util.concurrent.atomic.AtomicReference<>();
        ManualClock clock = new ManualClock();
        try (FakeManagementApi api = new FakeManagementApi(uri -> new FakeManagementApi.Answer(200,
                pageBody(1, 1, 1, items.get().isEmpty() ? new String[0] : new String[] {items.get()})));
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/%2F"),
                     api.uri(null), List.of(), List.of(), Pattern.compile("^celery$")), Duration.ofSeconds(5),
                     ManagementApiClient.MAX_PAGE_SIZE, clock)) {
            clock.millis.set(100_000);
            items.set(counted("celery", 0, 40, 41));
            assertThat(age(source)).isZero();
            clock.millis.set(110_000);
            items.set(counted("celery", 10, 50, 41)); // 10 published in (100 s, 110 s], none consumed
            assertThat(age(source)).isCloseTo(9.5, within(1e-9));
            clock.millis.set(130_000);
            items.set(counted("celery", 4, 50, 47)); // head is message 47: 6.5/10 into the interval
            assertThat(age(source)).isCloseTo(23.5, within(1e-9));
            // the requests still ask for one listing per poll, with the counter column
            assertThat(api.requests).hasSize(3).allSatisfy(r -> assertThat(
                    r.rawQuery().split("columns=")[1].split("&")[0].split(","))
                    .contains("message_stats.publish", "message_stats.deliver_get", "message_stats.redeliver"));

            clock.millis.set(135_000);
            items.set("");
            assertThat(source.poll().queues()).isEmpty();
            // back with a higher counter: had the history been kept, message 51 would be dated in (130 s, 140 s]
            clock.millis.set(140_000);
            items.set(counted("celery", 10, 60, 51));
            assertThat(age(source)).as("a queue that went away starts a new history").isZero();
        }
    }

    private static double age(RabbitMqSource source) throws Exception {
        QueueSample s = source.poll().queues().get(0);
        assertThat(s.values()).containsKey(QueueMetric.OLDEST_AGE_SECONDS);
        return s.values().get(QueueMetric.OLDEST_AGE_SECONDS);
    }

    static Map<String, QueueSample> byQueue(SourceSnapshot snapshot) {
        return snapshot.queues().stream().collect(java.util.stream.Collectors.toMap(QueueSample::queue, s -> s));
    }
}
