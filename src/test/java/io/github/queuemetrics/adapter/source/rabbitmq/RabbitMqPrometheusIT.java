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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code prometheusUri} mode against the real broker and its rabbitmq_prometheus plugin, in
 * the vhost {@code i9-prom} (and {@code i9-prom-other}, which holds a queue of the same name that
 * must not be counted). Real messages, some held unacknowledged by a consumer that never acks; the
 * counts served with prometheusUri must equal those of the management-only mode. In the vhost
 * {@code i9-prom-rates}, a real flow of published and consumed messages: the rates and the oldest
 * age served with prometheusUri (from the background listing) must equal the management-only mode's.
 */
@Timeout(180)
class RabbitMqPrometheusIT {

    private static final String VHOST = "i9-prom";
    private static final String OTHER_VHOST = "i9-prom-other";
    private static final String RATES_VHOST = "i9-prom-rates";
    /** Runs the prometheusUri sources' background listings, as the adapter's worker pool does. */
    private static final ExecutorService LISTINGS = Executors.newCachedThreadPool();
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
        BROKER.deleteVhost(RATES_VHOST);
        LISTINGS.shutdownNow();
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
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()), LISTINGS)) {
            // both report from the broker's statistics emission (every 5 s): wait until they have caught up
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                SourceSnapshot viaPrometheus = prometheus.poll();
                assertThat(counts(management.poll())).isEqualTo(expected);
                assertThat(counts(viaPrometheus)).isEqualTo(expected);
            });
        }
    }

    @Test
    void aPatternDiscoversTheVhostsQueuesFromTheScrape() {
        Pattern pattern = Pattern.compile("^i9-");
        try (RabbitMqSource management = new RabbitMqSource(config("it-mgmt-pattern", List.of(), pattern));
             RabbitMqSource prometheus = new RabbitMqSource(config("it-prom-pattern", List.of(), pattern)
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()), LISTINGS)) {
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
                     .withPrometheusUri(Brokers.rabbitPrometheusUri()), LISTINGS)) {
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
        try (RabbitMqSource prometheus = new RabbitMqSource(config("it-prom-closed", QUEUES, null).withPrometheusUri(closed),
                LISTINGS)) {
            assertThatThrownBy(prometheus::poll).isInstanceOf(IOException.class)
                    .hasMessageContaining("Prometheus endpoint http://127.0.0.1:" + port + " is unreachable")
                    .hasMessageContaining("(vhost 'i9-prom')");
        }
        // the management port is not the Prometheus endpoint: refused, not read as "no queues"
        try (RabbitMqSource wrong = new RabbitMqSource(config("it-prom-wrong", QUEUES, null)
                .withPrometheusUri(Brokers.rabbitManagementUri()), LISTINGS)) {
            assertThatThrownBy(wrong::poll).isInstanceOf(IOException.class).hasMessageContaining("Prometheus endpoint");
        }
    }

    /**
     * A real flow in {@code i9-prom-rates}: 10 messages published per second, a consumer acking 4
     * per second, for 25 s, so both rates are well above 0 and the head waits. The prometheusUri
     * source's ticker is moved by the refresh interval before each poll, so it lists as often as
     * the management-only source polls (every second; both date the head from equally dense
     * histories). Then the management-only values, one background listing, and the
     * management-only values again: the prometheusUri values lie between the two readings, up to
     * one statistics emission for the age (PublishHistory's precision).
     */
    @Test
    void servesTheManagementApisRatesAndOldestAgeFromTheBackgroundListing() throws Exception {
        BROKER.deleteVhost(RATES_VHOST); // left over from an aborted run
        URI ratesAmqp = Brokers.rabbitVhost(RATES_VHOST);
        SourceConfig config = new SourceConfig("it-rates", SourceType.RABBITMQ, ratesAmqp, Brokers.rabbitManagementUri(),
                List.of(), null, List.of("i9-flow"), null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(30),
                null, null, null);
        AtomicLong ticker = new AtomicLong();
        ExecutorService listings = Executors.newSingleThreadExecutor();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(ratesAmqp);
        try (Connection c = factory.newConnection("i9-prom-rates-it");
             RabbitMqSource management = new RabbitMqSource(config);
             RabbitMqSource prometheus = new RabbitMqSource(config.withPrometheusUri(Brokers.rabbitPrometheusUri()),
                     RabbitMqSource.DEFAULT_TIMEOUT, ManagementApiClient.MAX_PAGE_SIZE, Clock.systemUTC(), listings,
                     ticker::get)) {
            Channel publisher = c.createChannel();
            publisher.queueDeclare("i9-flow", true, false, false, null);
            // both sources see the empty queue first, so both date the flow's messages from its start
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(flow(management.poll())).containsEntry(QueueMetric.OLDEST_AGE_SECONDS, 0.0);
                assertThat(listedFlow(prometheus, ticker, listings)).containsEntry(QueueMetric.OLDEST_AGE_SECONDS, 0.0);
            });
            Channel consumer = c.createChannel();
            consumer.basicQos(1);
            consumer.basicConsume("i9-flow", false, new DefaultConsumer(consumer) {
                @Override
                public void handleDelivery(String tag, com.rabbitmq.client.Envelope envelope,
                                           com.rabbitmq.client.AMQP.BasicProperties properties, byte[] body)
                        throws IOException {
                    try {
                        Thread.sleep(250); // 4 per second
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (com.rabbitmq.client.AlreadyClosedException e) {
                        // the test closed the connection during this delivery: nothing left to ack
                    }
                }
            });
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(25); System.nanoTime() < end; ) {
                for (int i = 0; i < 10; i++) {
                    publisher.basicPublish("", "i9-flow", null, "{}".getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(100);
                }
                management.poll();
                listedFlow(prometheus, ticker, listings);
            }
            Map<QueueMetric, Double> before = flow(management.poll());
            Map<QueueMetric, Double> viaPrometheus = listedFlow(prometheus, ticker, listings);
            Map<QueueMetric, Double> after = flow(management.poll());
            System.out.printf("i9-prom-rates: management %s, prometheusUri %s, management %s%n", before, viaPrometheus,
                    after);
            assertThat(viaPrometheus.get(QueueMetric.ARRIVAL_RATE)).as("arrival rate").isGreaterThan(1.0);
            assertThat(viaPrometheus.get(QueueMetric.COMPLETION_RATE)).as("completion rate").isGreaterThan(0.5);
            assertThat(viaPrometheus.get(QueueMetric.OLDEST_AGE_SECONDS)).as("oldest age").isGreaterThan(3.0);
            assertBetween(QueueMetric.ARRIVAL_RATE, viaPrometheus, before, after, 0.05);
            assertBetween(QueueMetric.COMPLETION_RATE, viaPrometheus, before, after, 0.05);
            assertBetween(QueueMetric.OLDEST_AGE_SECONDS, viaPrometheus, before, after, 5.0);
        } finally {
            listings.shutdownNow();
            BROKER.deleteVhost(RATES_VHOST);
        }
    }

    private static Map<QueueMetric, Double> flow(SourceSnapshot snapshot) {
        assertThat(snapshot.queues()).hasSize(1);
        return snapshot.queues().get(0).values();
    }

    /** Moves the ticker so the next poll starts a listing, lets it finish, and returns the poll after it. */
    private static Map<QueueMetric, Double> listedFlow(RabbitMqSource prometheus, AtomicLong ticker,
                                                       ExecutorService listings) throws Exception {
        ticker.addAndGet(RabbitMqSource.LEAST_LISTING_INTERVAL.toNanos());
        prometheus.poll();
        listings.submit(() -> { }).get(30, TimeUnit.SECONDS); // one thread: the listing has ended
        return flow(prometheus.poll());
    }

    private static void assertBetween(QueueMetric metric, Map<QueueMetric, Double> served, Map<QueueMetric, Double> before,
                                      Map<QueueMetric, Double> after, double slack) {
        double low = Math.min(before.get(metric), after.get(metric));
        double high = Math.max(before.get(metric), after.get(metric));
        assertThat(served.get(metric)).as(metric.metricName() + " with prometheusUri against the management API's "
                + before.get(metric) + " and " + after.get(metric)).isBetween(low - slack, high + slack);
    }
}
