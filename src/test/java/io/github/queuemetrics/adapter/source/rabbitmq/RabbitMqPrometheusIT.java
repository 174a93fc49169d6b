package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code prometheusUri} mode against the real broker and its rabbitmq_prometheus plugin, in
 * the vhost {@code i9-prom} (and {@code i9-prom-other}, which holds a queue of the same name that
 * must not be counted). Real messages, some held unacknowledged by a consumer that never acks; the
 * counts served with prometheusUri must equal those of the management-only mode.
 */
@Timeout(180)
class RabbitMqPrometheusIT {

    private static final String VHOST = "i9-prom";
    private static final String OTHER_VHOST = "i9-prom-other";
    private static final RabbitManagement BROKER = new RabbitManagement();
    private static final List<QueueMetric> COUNTS = List.of(QueueMetric.READY, QueueMetric.UNACKED,
            QueueMetric.CONSUMERS, QueueMetric.OUTSTANDING);
    private static final List<String> QUEUES = List.of("i9-held", "i9-waiting", "i9-idle", "i9-missing");

    private static URI amqp;
    private static Connection connection;

    @BeforeAll
    static void fillTheQueues() throws Exception {
        BROKER.deleteVhost(VHOST); // left over from an aborted run
        BROKER.deleteVhost(OTHER_VHOST);
        amqp = Brokers.rabbitVhost(VHOST);
        URI other = Brokers.rabbitVhost(OTHER_VHOST);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(other);
        try (Connection c = factory.newConnection("i9-prom-it-other"); Channel ch = c.createChannel()) {
            ch.queueDeclare("i9-held", true, false, false, null);
            publish(ch, "i9-held", 50); // same name, other vhost: must not leak into i9-prom's numbers
        }
        factory.setUri(amqp);
        connection = factory.newConnection("i9-prom-it");
        Channel ch = connection.createChannel();
        for (String q : QUEUES.subList(0, 3)) {
            ch.queueDeclare(q, true, false, false, null);
        }
        publish(ch, "i9-held", 7);
        publish(ch, "i9-waiting", 2);
        // a consumer with prefetch 3 that never acks: 3 unacked, 4 ready
        Channel holder = connection.createChannel();
        holder.basicQos(3);
        holder.basicConsume("i9-held", false, new DefaultConsumer(holder));
        for (int i = 0; i < 2; i++) {
            Channel idle = connection.createChannel();
            idle.basicConsume("i9-idle", false, new DefaultConsumer(idle));
        }
    }

    @AfterAll
    static void deleteVhosts() throws Exception {
        if (connection != null) {
            connection.close();
        }
        BROKER.deleteVhost(VHOST);
        BROKER.deleteVhost(OTHER_VHOST);
    }

    private static void publish(Channel ch, String queue, int n) throws Exception {
        ch.confirmSelect();
        for (int i = 0; i < n; i++) {
            ch.basicPublish("", queue, null, "{\"task\":\"tasks.sleep\"}".getBytes(StandardCharsets.UTF_8));
        }
        ch.waitForConfirmsOrDie(10_000);
    }

    private static SourceConfig config(String name, List<String> queues, Pattern pattern) {
        return new SourceConfig(name, SourceType.RABBITMQ, amqp, Brokers.rabbitManagementUri(), List.of(), null, queues,
                pattern, null, null, Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
    }

    /** queue -> {ready, unacked, consumers, outstanding}, each as served (null when absent). */
    private static Map<String, List<Double>> counts(SourceSnapshot snapshot) {
        Map<String, List<Double>> out = new TreeMap<>();
        for (QueueSample s : snapshot.queues()) {
            out.put(s.queue(), COUNTS.stream().map(m -> s.values().get(m)).toList());
            assertThat(s.labels()).containsEntry("vhost", VHOST);
        }
        return out;
    }

    private static List<Double> of(double ready, double unacked, double consumers) {
        return List.of(ready, unacked, consumers, ready + unacked);
    }

    @Test
    void servesTheSameCountsAsTheManagementApiAndZerosOnlyForAQueueTheBrokerDoesNotHave() {
        Map<String, List<Double>> expected = Map.of("i9-held", of(4, 3, 1), "i9-waiting", of(2, 0, 0),
                "i9-idle", of(0, 0, 2), "i9-missing", of(0, 0, 0));
        try (RabbitMqSource management = new RabbitMqSource(config("it-mgmt", QUEUES, null));
             RabbitMqSource prometheus = new RabbitMqSource(config("it-prom", QUEUES, null)
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()))) {
            // both report from the broker's statistics emission (every 5 s): wait until they have caught up
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                SourceSnapshot viaPrometheus = prometheus.poll();
                assertThat(counts(management.poll())).isEqualTo(expected);
                assertThat(counts(viaPrometheus)).isEqualTo(expected);
                assertThat(viaPrometheus.queues()).allSatisfy(s -> assertThat(s.values())
                        .doesNotContainKeys(QueueMetric.ARRIVAL_RATE, QueueMetric.COMPLETION_RATE,
                                QueueMetric.OLDEST_AGE_SECONDS));
            });
        }
    }

    @Test
    void aPatternDiscoversTheVhostsQueuesFromTheScrape() {
        Pattern pattern = Pattern.compile("^i9-");
        try (RabbitMqSource management = new RabbitMqSource(config("it-mgmt-pattern", List.of(), pattern));
             RabbitMqSource prometheus = new RabbitMqSource(config("it-prom-pattern", List.of(), pattern)
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()))) {
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Map<String, List<Double>> viaPrometheus = counts(prometheus.poll());
                assertThat(viaPrometheus).containsOnlyKeys("i9-held", "i9-waiting", "i9-idle");
                assertThat(viaPrometheus).isEqualTo(counts(management.poll()));
            });
        }
    }

    /**
     * How far the plugin's counts lag: a burst is published (confirmed), then the source is polled
     * every 100 ms until it shows the burst. Both modes read the same core statistics tables,
     * refreshed by each queue every {@code collect_statistics_interval} (5 s by default), so both lag by up to
     * one interval; the Prometheus mode adds nothing of its own.
     */
    @Test
    void countsLagByAtMostAboutOneStatisticsInterval() throws Exception {
        Pattern pattern = Pattern.compile("^i9-lag$");
        try (Channel ch = connection.createChannel();
             RabbitMqSource prometheus = new RabbitMqSource(config("it-prom-lag", List.of(), pattern)
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()))) {
            ch.queueDeclare("i9-lag", true, false, false, null);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> prometheus.poll().queues().size() == 1); // listed once its first statistics are out
            long start = System.nanoTime();
            publish(ch, "i9-lag", 5);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Double.valueOf(5).equals(prometheus.poll().queues().get(0).values().get(QueueMetric.READY)));
            double lagSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("i9-prom: the Prometheus scrape showed a burst %.1f s after it was confirmed%n", lagSeconds);
            assertThat(lagSeconds).as("lag of the plugin's counts").isLessThan(11.0);
        }
    }

    @Test
    void anUnreachablePrometheusEndpointFailsThePollInsteadOfServingZeros() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI closed = URI.create("http://127.0.0.1:" + port);
        try (RabbitMqSource prometheus = new RabbitMqSource(config("it-prom-closed", QUEUES, null).withPrometheusUri(closed))) {
            assertThatThrownBy(prometheus::poll).isInstanceOf(IOException.class)
                    .hasMessageContaining("Prometheus endpoint http://127.0.0.1:" + port + " is unreachable")
                    .hasMessageContaining("(vhost 'i9-prom')");
        }
        // the management port is not the Prometheus endpoint: refused, not read as "no queues"
        try (RabbitMqSource wrong = new RabbitMqSource(config("it-prom-wrong", QUEUES, null)
                .withPrometheusUri(Brokers.rabbitManagementUri()))) {
            assertThatThrownBy(wrong::poll).isInstanceOf(IOException.class).hasMessageContaining("Prometheus endpoint");
        }
    }
}
