package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scrape of the detailed queue families, on text captured from this machine's RabbitMQ 3.10.8 plugin. */
class PrometheusQueueClientTest {

    /** Captured with a consumer (prefetch 2) holding 2 of the 5 messages of celery; see the file's queues. */
    private static byte[] fixture() throws IOException {
        try (InputStream in = PrometheusQueueClientTest.class.getResourceAsStream("/rabbitmq-prometheus-3.10.8-detailed.txt")) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsReadyUnackedAndConsumersPerQueueOfTheVhost() throws IOException {
        Map<String, ManagementQueue> queues = PrometheusQueueClient.parse(fixture(), "i9-prom-fixture");
        assertThat(queues).containsOnlyKeys("celery", "tasks.high", "empty");
        assertThat(queues.get("celery")).extracting(ManagementQueue::ready, ManagementQueue::unacked,
                ManagementQueue::consumers).containsExactly(3L, 2L, 1L);
        assertThat(queues.get("tasks.high")).extracting(ManagementQueue::ready, ManagementQueue::unacked,
                ManagementQueue::consumers).containsExactly(2L, 0L, 0L);
        assertThat(queues.get("empty")).extracting(ManagementQueue::ready, ManagementQueue::unacked,
                ManagementQueue::consumers).containsExactly(0L, 0L, 1L);
        assertThat(queues.get("celery").publishRate()).isNaN(); // not measured here
    }

    @Test
    void leavesOtherVhostsOut() throws IOException {
        assertThat(PrometheusQueueClient.parse(fixture(), "/")).isEmpty();
    }

    @Test
    void aCountThatIsNotANumberIsUnknownNotZero() throws IOException {
        String text = new String(fixture(), StandardCharsets.UTF_8).replace(
                "rabbitmq_detailed_queue_messages_unacked{vhost=\"i9-prom-fixture\",queue=\"celery\"} 2",
                "rabbitmq_detailed_queue_messages_unacked{vhost=\"i9-prom-fixture\",queue=\"celery\"} NaN");
        ManagementQueue celery = PrometheusQueueClient.parse(text.getBytes(StandardCharsets.UTF_8), "i9-prom-fixture")
                .get("celery");
        assertThat(celery.countsKnown()).isFalse();
        assertThat(celery.ready()).isEqualTo(3);
    }

    @Test
    void refusesACutOffOrForeignAnswer() throws IOException {
        String text = new String(fixture(), StandardCharsets.UTF_8);
        // cut after the ready family: the later families (and their queues) are missing
        String cut = text.substring(0, text.indexOf("# TYPE rabbitmq_detailed_queue_messages_unacked"));
        assertThatThrownBy(() -> PrometheusQueueClient.parse(cut.getBytes(StandardCharsets.UTF_8), "i9-prom-fixture"))
                .isInstanceOf(IOException.class).hasMessageStartingWith(
                        "no '# TYPE rabbitmq_detailed_queue_messages_unacked' line: not the plugin's detailed queue metrics");
        String midLine = text.substring(0, text.indexOf("} 2\n") + 2);
        assertThatThrownBy(() -> PrometheusQueueClient.parse(midLine.getBytes(StandardCharsets.UTF_8), "i9-prom-fixture"))
                .hasMessage("the answer does not end with a newline (cut off?)");
        assertThatThrownBy(() -> PrometheusQueueClient.parse("<html>\n".getBytes(StandardCharsets.UTF_8), "x"))
                .hasMessageStartingWith("line 1: expected a metric name: <html>");
        String unlabelled = text + "rabbitmq_detailed_queue_consumers 3\n";
        assertThatThrownBy(() -> PrometheusQueueClient.parse(unlabelled.getBytes(StandardCharsets.UTF_8), "x"))
                .hasMessage("rabbitmq_detailed_queue_consumers without the labels vhost and queue: {}");
    }

    @Test
    void asksForTheTwoFamiliesOfTheVhostOnly() {
        PrometheusQueueClient client = new PrometheusQueueClient(URI.create("http://u:secret@rabbit:15692/prefix/"),
                java.time.Duration.ofSeconds(1), io.github.queuemetrics.adapter.tls.BrokerTls.jvmDefault());
        assertThat(client.scrapeUri("/")).hasToString("http://rabbit:15692/prefix/metrics/detailed?vhost=%2F"
                + "&family=queue_coarse_metrics&family=queue_consumer_count");
        assertThat(client.describe()).isEqualTo("Prometheus endpoint http://rabbit:15692/prefix/").doesNotContain("secret");
    }
}
