package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code queue_oldest_age_seconds} on the real local RabbitMQ (vhost {@code qma-age-it}): Celery
 * tasks published in two batches 25 s apart, polled through the management API, then a real
 * worker ({@code -c 1}, 8 s tasks) that moves the head from the first batch to the second.
 *
 * <p>Each observed age is checked against the publish window of the batch the reported ready
 * count puts at the head, with 11 s of tolerance: the broker emits its statistics every 5 s, but
 * a queue's message counters and its ready count may come in different emissions (seen under load
 * in CI: the publish counter 3 s after the ready count), so two intervals, and the adapter polls
 * every second here.
 */
@Timeout(240)
class RabbitMqOldestAgeIT {

    private static final String VHOST = "qma-age-it";
    private static final String QUEUE = "age-q";
    private static final double TOLERANCE_SECONDS = 11;
    private static final RabbitManagement BROKER = new RabbitManagement();

    /** One poll: when it returned, what the source reported. */
    private record Observation(long atMillis, Double ready, Double age) {
    }

    /** Wall-clock window in which one batch was published. */
    private record Batch(long startMillis, long endMillis) {
        boolean dates(Observation o) {
            double youngest = (o.atMillis() - endMillis) / 1000.0 - TOLERANCE_SECONDS;
            double oldest = (o.atMillis() - startMillis) / 1000.0 + TOLERANCE_SECONDS;
            return o.age() >= youngest && o.age() <= oldest;
        }
    }

    @AfterAll
    static void deleteVhost() throws Exception {
        BROKER.deleteVhost(VHOST);
    }

    @Test
    void theAgeFollowsThePublishTimeOfTheBatchAtTheHead() throws Exception {
        BROKER.deleteVhost(VHOST); // left over from an aborted run
        URI amqp = Brokers.rabbitVhost(VHOST);
        String celeryUrl = Brokers.celeryBrokerUrl(amqp);
        declareQueueAsCeleryDoes(amqp);
        try (RabbitMqSource source = new RabbitMqSource(config("age-http", amqp, Brokers.rabbitManagementUri()));
             RabbitMqSource amqpOnly = new RabbitMqSource(config("age-amqp", amqp, null))) {
            // the empty queue, once its statistics are out: 0, and a sample to date the first batch from
            List<Observation> seen = new ArrayList<>();
            pollUntil(source, seen, o -> o.ready() != null && o.ready() == 0 && o.age() != null, 30);
            assertThat(seen.get(seen.size() - 1).age()).isZero();

            Batch first = enqueue(celeryUrl);
            List<Observation> gap = new ArrayList<>();
            pollFor(source, gap, 25); // more than twice the tolerance: the batches stay apart
            Batch second = enqueue(celeryUrl);
            List<Observation> queued = new ArrayList<>();
            pollUntil(source, queued, o -> o.ready() != null && o.ready() == 6 && o.age() != null, 20);
            pollFor(source, queued, 4);

            // AMQP only: no publish counter, no age
            QueueSample viaAmqp = amqpOnly.poll().queues().get(0);
            assertThat(viaAmqp.values()).containsEntry(QueueMetric.READY, 6.0)
                    .doesNotContainKey(QueueMetric.OLDEST_AGE_SECONDS);

            List<Observation> beforeWorker = new ArrayList<>(gap);
            beforeWorker.addAll(queued);
            List<Observation> headInFirst = withAge(beforeWorker, 1, 6);
            print("no worker", beforeWorker, first, second);
            assertThat(headInFirst).as("ages seen while the first batch waited").hasSizeGreaterThan(10);
            assertThat(headInFirst).allSatisfy(o -> assertThat(first.dates(o))
                    .as("age %.1f s at +%.1f s dates the first batch", o.age(), (o.atMillis() - first.startMillis()) / 1000.0)
                    .isTrue());

            List<Observation> working = new ArrayList<>();
            try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(celeryUrl, "age@it", QUEUE))) {
                // -c 1, prefetch 1, early ack: one task runs, one is prefetched, so the head is the
                // first batch's third task until the first task ends (8 s), then the second batch
                pollUntil(source, working, o -> o.ready() != null && o.ready() <= 2, 60);
                pollFor(source, working, 3);
            }
            print("worker", working, first, second);
            // The head moves when the consumer's deliveries are counted, which need not be the same
            // emission as the ready count's (seen: the age dropped 3 s before ready went 4 -> 3). So:
            // first-batch ages, then second-batch ages, and nothing else, never back.
            List<Observation> aged = working.stream().filter(o -> o.age() != null && o.ready() != null && o.ready() > 0)
                    .toList();
            int switchedAt = -1;
            for (int i = 0; i < aged.size(); i++) {
                if (second.dates(aged.get(i))) {
                    switchedAt = i;
                    break;
                }
            }
            assertThat(switchedAt).as("the age dropped to the second batch's").isPositive();
            assertThat(aged.subList(0, switchedAt)).allSatisfy(o -> assertThat(first.dates(o))
                    .as("age %.1f s at +%.1f s dates the first batch", o.age(), (o.atMillis() - first.startMillis()) / 1000.0)
                    .isTrue());
            assertThat(aged.subList(switchedAt, aged.size())).hasSizeGreaterThan(2).allSatisfy(o -> assertThat(second.dates(o))
                    .as("age %.1f s at +%.1f s dates the second batch", o.age(), (o.atMillis() - second.startMillis()) / 1000.0)
                    .isTrue());
        }
    }

    private static Batch enqueue(String celeryUrl) {
        long start = System.currentTimeMillis();
        assertThat(CeleryWorker.enqueue(celeryUrl, QUEUE, 3, 8, null)).hasSize(3);
        return new Batch(start, System.currentTimeMillis());
    }

    /** The observations whose ready count puts the head in a given range of queue positions. */
    private static List<Observation> withAge(List<Observation> all, int minReady, int maxReady) {
        return all.stream().filter(o -> o.age() != null && o.ready() != null
                && o.ready() >= minReady && o.ready() <= maxReady).toList();
    }

    private static void pollFor(RabbitMqSource source, List<Observation> out, int seconds) throws Exception {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < end) {
            out.add(poll(source));
            Thread.sleep(1000);
        }
    }

    private static void pollUntil(RabbitMqSource source, List<Observation> out, Predicate<Observation> done,
                                  int maxSeconds) throws Exception {
        long end = System.currentTimeMillis() + maxSeconds * 1000L;
        while (true) {
            Observation o = poll(source);
            out.add(o);
            if (done.test(o)) {
                return;
            }
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("not reached within " + maxSeconds + " s; last observations: "
                        + out.subList(Math.max(0, out.size() - 5), out.size()));
            }
            Thread.sleep(1000);
        }
    }

    private static Observation poll(RabbitMqSource source) throws Exception {
        QueueSample s = source.poll().queues().get(0);
        return new Observation(System.currentTimeMillis(), s.values().get(QueueMetric.READY),
                s.values().get(QueueMetric.OLDEST_AGE_SECONDS));
    }

    private static void print(String phase, List<Observation> observations, Batch first, Batch second) {
        StringBuilder b = new StringBuilder(phase + " (t from the first batch's publish; batches at 0 and +"
                + (second.startMillis() - first.startMillis()) / 1000.0 + " s):");
        for (Observation o : observations) {
            b.append(String.format(" [+%.1f ready=%s age=%s]", (o.atMillis() - first.startMillis()) / 1000.0,
                    o.ready(), o.age() == null ? "-" : String.format("%.1f", o.age())));
        }
        System.out.println(b);
    }

    /** Durable, no arguments: what kombu declares for a Celery task queue, so Celery's own declare agrees. */
    private static void declareQueueAsCeleryDoes(URI amqp) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        try (Connection connection = factory.newConnection("qma-age-it");
             Channel channel = connection.createChannel()) {
            channel.queueDeclare(QUEUE, true, false, false, null);
        }
    }

    private static SourceConfig config(String name, URI amqp, URI management) {
        return new SourceConfig(name, SourceType.RABBITMQ, amqp, management, List.of(), null, List.of(QUEUE), null,
                null, null, Duration.ofSeconds(1), Duration.ofSeconds(30), null, null, null);
    }
}
