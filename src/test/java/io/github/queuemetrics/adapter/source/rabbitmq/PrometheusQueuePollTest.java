package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the prometheusUri mode does with a queue the scrape lacks, against a local server answering
 * both the scrape and the management API: look it up by name, never take it as 0 unless the
 * management API says the queue (not the vhost) does not exist.
 */
class PrometheusQueuePollTest {

    private static final String VHOST = "jobs";

    /** A scrape of the three families with {@code queue -> {ready, unacked, consumers}}. */
    private static String scrape(Map<String, long[]> queues) {
        StringBuilder text = new StringBuilder();
        String[] names = {PrometheusQueueClient.READY, PrometheusQueueClient.UNACKED, PrometheusQueueClient.CONSUMERS};
        for (int i = 0; i < names.length; i++) {
            text.append("# TYPE ").append(names[i]).append(" gauge\n");
            for (Map.Entry<String, long[]> q : queues.entrySet()) {
                text.append(names[i]).append("{vhost=\"").append(VHOST).append("\",queue=\"").append(q.getKey())
                        .append("\"} ").append(q.getValue()[i]).append('\n');
            }
        }
        return text.toString();
    }

    private static PrometheusQueuePoll poll(URI uri, QueueSelection selection) {
        return new PrometheusQueuePoll("rabbit", selection,
                new PrometheusQueueClient(uri, Duration.ofSeconds(2), BrokerTls.jvmDefault()),
                new ManagementApiClient(uri, RabbitMqUris.credentials(uri, null), Duration.ofSeconds(2), 500));
    }

    /** Serves {@code scrape} at /metrics/detailed and the management API's answers from {@code api}. */
    private static FakeManagementApi server(AtomicReference<String> scrape, Function<String, FakeManagementApi.Answer> api)
            throws IOException {
        return new FakeManagementApi(uri -> uri.getRawPath().equals("/metrics/detailed")
                ? new FakeManagementApi.Answer(200, scrape.get()) : api.apply(uri.getRawPath()));
    }

    private static Map<String, Map<QueueMetric, Double>> values(List<QueueSample> samples) {
        Map<String, Map<QueueMetric, Double>> out = new java.util.TreeMap<>();
        samples.forEach(s -> out.put(s.queue(), s.values()));
        return out;
    }

    @Test
    void aDiscoveredQueueMissingFromTheScrapeIsLookedUpAndDroppedOnlyWhenItIsGone() throws Exception {
        AtomicReference<String> scrape = new AtomicReference<>(scrape(Map.of("a", new long[] {1, 2, 1},
                "b", new long[] {5, 0, 0})));
        AtomicReference<FakeManagementApi.Answer> queueB = new AtomicReference<>(new FakeManagementApi.Answer(200,
                "{\"name\":\"b\",\"vhost\":\"jobs\",\"messages_ready\":6,\"messages_unacknowledged\":1,\"consumers\":0}"));
        try (FakeManagementApi server = server(scrape, path -> path.equals("/api/queues/jobs/b") ? queueB.get()
                : path.equals("/api/vhosts/jobs") ? new FakeManagementApi.Answer(200, "{\"name\":\"jobs\"}")
                : new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\"}"))) {
            PrometheusQueuePoll poll = poll(server.uri("guest:guest"), QueueSelection.pattern(Pattern.compile(".")));
            List<QueueSample> out = new ArrayList<>();
            assertThat(poll.poll(VHOST, out)).isEqualTo(2);
            assertThat(values(out).get("b")).containsEntry(QueueMetric.READY, 5.0).containsEntry(QueueMetric.OUTSTANDING, 5.0);

            scrape.set(scrape(Map.of("a", new long[] {1, 2, 1}))); // b not in the scrape: still there?
            out.clear();
            assertThat(poll.poll(VHOST, out)).isEqualTo(2);
            assertThat(values(out).get("b")).containsEntry(QueueMetric.READY, 6.0).containsEntry(QueueMetric.UNACKED, 1.0)
                    .containsEntry(QueueMetric.OUTSTANDING, 7.0);

            queueB.set(new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\"}")); // now deleted
            out.clear();
            assertThat(poll.poll(VHOST, out)).isEqualTo(1);
            assertThat(values(out)).containsOnlyKeys("a");
            out.clear();
            poll.poll(VHOST, out);
            assertThat(server.requests).filteredOn(r -> r.rawPath().equals("/api/queues/jobs/b")).hasSize(2); // once gone, not asked again
        }
    }

    @Test
    void aConfiguredQueueMissingFromTheScrapeIsZeroOnlyWhenTheManagementApiHasNoSuchQueue() throws Exception {
        AtomicReference<String> scrape = new AtomicReference<>(scrape(Map.of("a", new long[] {1, 2, 1})));
        try (FakeManagementApi server = server(scrape, path -> switch (path) {
            // declared a moment ago: listed, but no statistics yet
            case "/api/queues/jobs/new" -> new FakeManagementApi.Answer(200, "{\"name\":\"new\",\"vhost\":\"jobs\"}");
            case "/api/vhosts/jobs" -> new FakeManagementApi.Answer(200, "{\"name\":\"jobs\"}");
            default -> new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\"}");
        })) {
            List<QueueSample> out = new ArrayList<>();
            poll(server.uri(null), QueueSelection.fixed(List.of("a", "new", "gone"))).poll(VHOST, out);
            Map<String, Map<QueueMetric, Double>> values = values(out);
            assertThat(values.get("a")).isEqualTo(Map.of(QueueMetric.READY, 1.0, QueueMetric.UNACKED, 2.0,
                    QueueMetric.CONSUMERS, 1.0, QueueMetric.OUTSTANDING, 3.0));
            assertThat(values.get("new")).as("unmeasured, not empty").isEmpty();
            assertThat(values.get("gone")).as("no queue: 0 for every metric, the rates and age included")
                    .isEqualTo(Map.of(QueueMetric.READY, 0.0, QueueMetric.UNACKED, 0.0, QueueMetric.CONSUMERS, 0.0,
                            QueueMetric.OUTSTANDING, 0.0, QueueMetric.ARRIVAL_RATE, 0.0, QueueMetric.COMPLETION_RATE, 0.0,
                            QueueMetric.OLDEST_AGE_SECONDS, 0.0));
        }
    }

    @Test
    void aVhostThatDoesNotExistFailsThePoll() throws Exception {
        AtomicReference<String> scrape = new AtomicReference<>(scrape(Map.of()));
        try (FakeManagementApi server = server(scrape, path -> new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\"}"))) {
            assertThatThrownBy(() -> poll(server.uri(null), QueueSelection.fixed(List.of("a"))).poll(VHOST, new ArrayList<>()))
                    .isInstanceOf(IOException.class).hasMessageEndingWith(": vhost 'jobs' does not exist (404)");
            assertThatThrownBy(() -> poll(server.uri(null), QueueSelection.pattern(Pattern.compile("."))).poll(VHOST,
                    new ArrayList<>())).hasMessageEndingWith(": vhost 'jobs' does not exist (404)");
        }
    }

    @Test
    void aFailingScrapeFailsThePollWithoutAskingTheManagementApi() throws Exception {
        try (FakeManagementApi server = new FakeManagementApi(uri -> new FakeManagementApi.Answer(503, "busy"))) {
            assertThatThrownBy(() -> poll(server.uri(null), QueueSelection.fixed(List.of("a"))).poll(VHOST, new ArrayList<>()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("Prometheus endpoint " + server.uri(null) + " answered 503 to GET /metrics/detailed: busy");
            assertThat(server.requests).hasSize(1);
        }
    }
}
