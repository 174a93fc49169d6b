package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RabbitMqSource} against the real local RabbitMQ, with real Celery clients and workers,
 * each test in a vhost of its own ({@code qma-rabbit-*}, deleted afterwards). The source's numbers
 * are compared with what the management API reports directly for the same moment.
 */
@Timeout(180)
class RabbitMqSourceIT {

    private static final List<String> VHOSTS = new ArrayList<>();
    private static final RabbitManagement BROKER = new RabbitManagement();

    /** A fresh vhost of this test class; returns its amqp URI. */
    private static URI vhost(String suffix) throws Exception {
        String name = "qma-rabbit-" + suffix;
        BROKER.deleteVhost(name); // left over from an aborted run
        synchronized (VHOSTS) {
            VHOSTS.add(name);
        }
        return Brokers.rabbitVhost(name);
    }

    @AfterAll
    static void deleteVhosts() throws Exception {
        for (String v : VHOSTS) {
            BROKER.deleteVhost(v);
        }
    }

    private static SourceConfig config(String name, URI amqp, URI management, List<String> queues, Pattern pattern) {
        return new SourceConfig(name, SourceType.RABBITMQ, amqp, management, List.of(), null, queues, pattern,
                null, null, Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
    }

    private static RabbitMqSource managementSource(String name, URI amqp, List<String> queues) {
        return new RabbitMqSource(config(name, amqp, Brokers.rabbitManagementUri(), queues, null));
    }

    private static RabbitMqSource amqpSource(String name, URI amqp, List<String> queues) {
        return new RabbitMqSource(config(name, amqp, null, queues, null));
    }

    private static QueueSample sample(SourceSnapshot snapshot, String queue) {
        return snapshot.queues().stream().filter(s -> s.queue().equals(queue)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample for " + queue + " in " + snapshot.queues()));
    }

    private static Double value(QueueSample s, QueueMetric m) {
        return s.values().get(m);
    }

    private static String vhostName(URI amqp) {
        return RabbitMqUris.vhostOf(amqp);
    }

    /**
     * Waits until the broker's own report of {@code queue} is stable around one poll of each
     * source and equals the expected numbers, then checks that the sources said the same.
     */
    private static void assertSourcesMatchBroker(RabbitMqSource management, RabbitMqSource amqp, String vhost,
                                                 String queue, long ready, long unacked, long consumers) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(700)).untilAsserted(() -> {
            RabbitManagement.Counts before = BROKER.queue(vhost, queue);
            QueueSample viaHttp = sample(management.poll(), queue);
            QueueSample viaAmqp = sample(amqp.poll(), queue);
            RabbitManagement.Counts after = BROKER.queue(vhost, queue);
            assertThat(after).as("broker report stable during the polls").isEqualTo(before);
            assertThat(before).isEqualTo(new RabbitManagement.Counts(ready, unacked, consumers));

            assertThat(value(viaHttp, QueueMetric.READY)).isEqualTo((double) before.ready());
            assertThat(value(viaHttp, QueueMetric.UNACKED)).isEqualTo((double) before.unacked());
            assertThat(value(viaHttp, QueueMetric.CONSUMERS)).isEqualTo((double) before.consumers());
            assertThat(value(viaHttp, QueueMetric.OUTSTANDING)).isEqualTo((double) (before.ready() + before.unacked()));

            assertThat(value(viaAmqp, QueueMetric.READY)).isEqualTo((double) before.ready());
            assertThat(value(viaAmqp, QueueMetric.CONSUMERS)).isEqualTo((double) before.consumers());
            assertThat(value(viaAmqp, QueueMetric.OUTSTANDING)).isEqualTo((double) before.ready());
            assertThat(viaAmqp.values()).doesNotContainKeys(QueueMetric.UNACKED, QueueMetric.ARRIVAL_RATE);
            assertThat(viaAmqp.labels()).containsEntry("vhost", vhost).containsEntry("source", amqp.name());
        });
    }

    @Test
    void readyEqualsTheEnqueuedCeleryTasksInBothModesAndAMissingQueueIsZero() throws Exception {
        URI amqp = vhost("ready");
        String vhost = vhostName(amqp);
        List<String> ids = new java.util.ArrayList<>(
                CeleryWorker.enqueue(Brokers.celeryBrokerUrl(amqp), "it-ready", 1, 1, null));
        try (RabbitMqSource viaAmqp = amqpSource("it-ready-amqp", amqp, List.of("it-ready", "it-missing"));
             RabbitMqSource viaHttp = managementSource("it-ready-http", amqp, List.of("it-ready", "it-missing"))) {
            // The first task declared the queue. Publishes made before the broker's first statistics
            // sample of a queue never show in its rates (a run on a busy machine waited 20 s for a rate
            // that stayed 0), so the other four go in once the management API has seen the queue.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    // (no READY at all until the broker's first statistics of the new queue)
                    .until(viaHttp::poll, s -> Double.valueOf(1.0).equals(value(sample(s, "it-ready"), QueueMetric.READY)));
            ids.addAll(CeleryWorker.enqueue(Brokers.celeryBrokerUrl(amqp), "it-ready", 4, 1, null));
            assertThat(ids).hasSize(5);
            // AMQP is live: no waiting for statistics
            SourceSnapshot live = viaAmqp.poll();
            assertThat(sample(live, "it-ready").values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QueueMetric.READY, 5.0, QueueMetric.CONSUMERS, 0.0, QueueMetric.OUTSTANDING, 5.0));
            assertThat(sample(live, "it-missing").values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QueueMetric.READY, 0.0, QueueMetric.CONSUMERS, 0.0, QueueMetric.OUTSTANDING, 0.0));

            assertSourcesMatchBroker(viaHttp, viaAmqp, vhost, "it-ready", 5, 0, 0);
            // The plugin may report the queue's counts one statistics emission before its rates.
            SourceSnapshot http = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(viaHttp::poll, s -> value(sample(s, "it-ready"), QueueMetric.ARRIVAL_RATE) > 0);
            QueueSample ready = sample(http, "it-ready");
            assertThat(ready.labels()).isEqualTo(Map.of("source", "it-ready-http", "queue", "it-ready", "vhost", vhost));
            assertThat(value(ready, QueueMetric.ARRIVAL_RATE)).as("5 publishes in the last minute").isPositive();
            assertThat(value(ready, QueueMetric.COMPLETION_RATE)).isZero();
            assertThat(sample(http, "it-missing").values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QueueMetric.READY, 0.0, QueueMetric.UNACKED, 0.0, QueueMetric.OUTSTANDING, 0.0,
                    QueueMetric.CONSUMERS, 0.0, QueueMetric.ARRIVAL_RATE, 0.0, QueueMetric.COMPLETION_RATE, 0.0,
                    QueueMetric.OLDEST_AGE_SECONDS, 0.0));
        }
    }

    @Test
    void anEarlyAckWorkerPrefetchesWhatRabbitReportsAsUnacked() throws Exception {
        URI amqp = vhost("early");
        String broker = Brokers.celeryBrokerUrl(amqp);
        CeleryWorker.enqueue(broker, "it-early", 6, 30, null);
        try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "early@it-rabbit", "it-early")
                .concurrency(2).prefetchMultiplier(1));
             RabbitMqSource viaHttp = managementSource("it-early-http", amqp, List.of("it-early"));
             RabbitMqSource viaAmqp = amqpSource("it-early-amqp", amqp, List.of("it-early"))) {
            // 2 tasks executing (acked when they started), 2 prefetched = the channel-global
            // prefetch window of concurrency x multiplier, 2 waiting
            assertSourcesMatchBroker(viaHttp, viaAmqp, vhostName(amqp), "it-early", 2, 2, 1);
            assertThat(worker.process().isAlive()).isTrue();
        }
    }

    @Test
    void anAcksLateWorkerKeepsItsExecutingTasksUnacked() throws Exception {
        URI amqp = vhost("late");
        String broker = Brokers.celeryBrokerUrl(amqp);
        CeleryWorker.enqueue(broker, "it-late", 5, 30, null);
        try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "late@it-rabbit", "it-late")
                .concurrency(2).prefetchMultiplier(1).acksLate(true));
             RabbitMqSource viaHttp = managementSource("it-late-http", amqp, List.of("it-late"));
             RabbitMqSource viaAmqp = amqpSource("it-late-amqp", amqp, List.of("it-late"))) {
            // the 2 executing tasks fill the prefetch window and stay unacked until they finish
            assertSourcesMatchBroker(viaHttp, viaAmqp, vhostName(amqp), "it-late", 3, 2, 1);
            assertThat(value(sample(viaHttp.poll(), "it-late"), QueueMetric.OUTSTANDING)).isEqualTo(5.0);
            assertThat(worker.process().isAlive()).isTrue();
        }
    }

    @Test
    void aPatternDiscoversQueuesCreatedAfterStartButNotCeleryPlumbing() throws Exception {
        URI amqp = vhost("pattern");
        String broker = Brokers.celeryBrokerUrl(amqp);
        try (RabbitMqSource source = new RabbitMqSource(config("it-pattern", amqp, Brokers.rabbitManagementUri(),
                List.of(), Pattern.compile("^it-disc-")))) {
            assertThat(source.poll().queues()).isEmpty();
            CeleryWorker.enqueue(broker, "it-disc-new", 2, 1, null);
            declare(amqp, List.of("it-disc-w1.celery.pidbox"));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(700)).untilAsserted(() -> {
                SourceSnapshot snapshot = source.poll();
                assertThat(snapshot.queues()).extracting(QueueSample::queue).containsExactly("it-disc-new");
                assertThat(value(snapshot.queues().get(0), QueueMetric.READY)).isEqualTo(2.0);
            });
        }
    }

    @Test
    void aBrokerThatCannotBeReachedMakesThePollThrow() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI closedAmqp = URI.create("amqp://guest:s3cret-pw@127.0.0.1:" + port + "/%2F");
        try (RabbitMqSource viaAmqp = new RabbitMqSource(config("it-closed", closedAmqp, null, List.of("q"), null),
                Duration.ofSeconds(2), 500);
             RabbitMqSource viaHttp = new RabbitMqSource(config("it-closed", closedAmqp,
                     URI.create("http://127.0.0.1:" + port), List.of("q"), null), Duration.ofSeconds(2), 500)) {
            assertThatThrownBy(viaAmqp::poll).hasMessageContaining("cannot connect")
                    .hasMessageContaining("127.0.0.1:" + port).hasMessageNotContaining("s3cret");
            assertThatThrownBy(viaHttp::poll).hasMessageContaining("unreachable")
                    .hasMessageNotContaining("s3cret");
        }
    }

    @Test
    void wrongCredentialsMakeThePollThrowWithoutThePassword() throws Exception {
        URI good = Brokers.rabbitAmqpUri();
        URI bad = URI.create(good.getScheme() + "://guest:wrong-s3cret@" + good.getHost() + ":"
                + (good.getPort() < 0 ? 5672 : good.getPort()) + "/%2F");
        try (RabbitMqSource viaAmqp = amqpSource("it-badauth", bad, List.of("q"));
             RabbitMqSource viaHttp = managementSource("it-badauth", bad, List.of("q"))) {
            assertThatThrownBy(viaAmqp::poll).hasMessageContaining("cannot connect").hasMessageNotContaining("wrong-s3cret");
            assertThatThrownBy(viaHttp::poll).hasMessageContaining("rejected the credentials of user 'guest'")
                    .hasMessageNotContaining("wrong-s3cret");
        }
    }

    @Test
    void killingTheAdaptersConnectionNeverYieldsZeros() throws Exception {
        URI amqp = vhost("outage");
        CeleryWorker.enqueue(Brokers.celeryBrokerUrl(amqp), "it-outage", 3, 1, null);
        String clientName = RabbitMqSource.connectionName("it-outage");
        try (RabbitMqSource source = amqpSource("it-outage", amqp, List.of("it-outage"))) {
            assertThat(value(sample(source.poll(), "it-outage"), QueueMetric.READY)).isEqualTo(3.0);
            List<String> before = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> BROKER.connectionsNamed(clientName), names -> names.size() == 1);
            BROKER.closeConnection(before.get(0));

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                    .until(() -> BROKER.connectionsNamed(clientName), List::isEmpty);

            // the broker is up again (it never went away): the next poll notices the dead
            // connection, opens a new one and answers the real numbers, not zeros
            assertThat(value(sample(source.poll(), "it-outage"), QueueMetric.READY)).isEqualTo(3.0);
            assertThat(value(sample(source.poll(), "it-outage"), QueueMetric.READY)).isEqualTo(3.0);
            List<String> after = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> BROKER.connectionsNamed(clientName), names -> names.size() == 1);
            assertThat(after).as("a new connection replaced the killed one").doesNotContainAnyElementsOf(before);
        }
    }

    @Test
    void everyPageOfTwelveHundredQueuesIsRead() throws Exception {
        URI amqp = vhost("pages");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            names.add(String.format("it-page-%04d", i));
        }
        declare(amqp, names);
        try (RabbitMqSource discovered = new RabbitMqSource(config("it-pages", amqp, Brokers.rabbitManagementUri(),
                List.of(), Pattern.compile("^it-page-")), Duration.ofSeconds(10), 500);
             RabbitMqSource fixed = new RabbitMqSource(config("it-pages-fixed", amqp, Brokers.rabbitManagementUri(),
                     List.of("it-page-0000", "it-page-1199", "it-page-9999"), null), Duration.ofSeconds(10), 500)) {
            SourceSnapshot snapshot = discovered.poll();
            List<String> seen = snapshot.queues().stream().map(QueueSample::queue).collect(Collectors.toList());
            assertThat(seen).hasSize(1200).doesNotHaveDuplicates();
            assertThat(new HashSet<>(seen)).isEqualTo(Set.copyOf(names));

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                Map<String, QueueSample> byQueue = RabbitMqSourceTest.byQueue(fixed.poll());
                assertThat(value(byQueue.get("it-page-0000"), QueueMetric.READY)).isEqualTo(0.0);
                assertThat(value(byQueue.get("it-page-1199"), QueueMetric.CONSUMERS)).isEqualTo(0.0);
                assertThat(value(byQueue.get("it-page-9999"), QueueMetric.OUTSTANDING)).isEqualTo(0.0);
            });
        }
    }

    /** Declares non-durable queues on one channel (fast: one round trip each). */
    private static void declare(URI amqp, List<String> queues) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        try (Connection c = factory.newConnection("qma-rabbit-it-setup"); Channel ch = c.createChannel()) {
            for (String q : queues) {
                ch.queueDeclare(q, false, false, false, null);
            }
        }
    }
}
