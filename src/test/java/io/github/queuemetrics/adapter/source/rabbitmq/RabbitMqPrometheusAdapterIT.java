package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole adapter with a {@code prometheusUri} source (vhost {@code i9-prom-rates}): the
 * background listing runs on the adapter's worker pool and its rates and oldest age reach the
 * external metrics API next to the scrape's counts.
 */
@Timeout(120)
class RabbitMqPrometheusAdapterIT {

    private static final String VHOST = "i9-prom-rates";
    private static final String QUEUE = "i9-e2e";
    private static final RabbitManagement BROKER = new RabbitManagement();

    @Test
    void servesTheListingsRatesAndAgeOverTheExternalMetricsApi() throws Exception {
        BROKER.deleteVhost(VHOST); // left over from an aborted run
        URI amqp = Brokers.rabbitVhost(VHOST);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        try (Connection c = factory.newConnection("i9-prom-rates-e2e"); Channel ch = c.createChannel()) {
            ch.queueDeclare(QUEUE, true, false, false, null);
            ch.confirmSelect();
            for (int i = 0; i < 6; i++) {
                ch.basicPublish("", QUEUE, null, "{}".getBytes(StandardCharsets.UTF_8));
            }
            ch.waitForConfirmsOrDie(10_000);
            // the adapter's first listing starts with its first poll and the next one 30 s later:
            // start it once the broker's statistics show the publishes
            try (RabbitMqSource management = new RabbitMqSource(new SourceConfig("i9-rates-check", SourceType.RABBITMQ,
                    amqp, Brokers.rabbitManagementUri(), List.of(), null, List.of(QUEUE), null, null, null,
                    Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null))) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                        management.poll().queues().get(0).value(QueueMetric.ARRIVAL_RATE).orElse(0) > 0);
            }
            String yaml = """
                    pollInterval: 1s
                    maxStaleness: 10s
                    sources:
                      - name: i9-rates
                        type: rabbitmq
                        amqpUri: %s
                        managementUri: %s
                        prometheusUri: %s
                        queues: [%s]
                    """.formatted(amqp, Brokers.rabbitManagementUri(), Brokers.rabbitPrometheusUri(), QUEUE);
            try (RunningAdapter adapter = RunningAdapter.start(yaml)) {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    assertThat(adapter.metric("queue_ready", "i9-rates", QUEUE)).isEqualTo(6.0);
                    assertThat(adapter.metric("queue_arrival_rate", "i9-rates", QUEUE)).isGreaterThan(0.0);
                    assertThat(adapter.metric("queue_completion_rate", "i9-rates", QUEUE)).isZero();
                    assertThat(adapter.metric("queue_oldest_age_seconds", "i9-rates", QUEUE)).isNotNegative();
                });
            }
        } finally {
            BROKER.deleteVhost(VHOST);
        }
    }
}
