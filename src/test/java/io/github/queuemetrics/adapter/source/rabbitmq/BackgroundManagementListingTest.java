package io.github.queuemetrics.adapter.source.rabbitmq;

import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.pageBody;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prometheusUri mode's rates and ages: merged from the last listing, never waited for, absent
 * (not old, not 0) once the listing is stale, kept through failures until then, and nothing runs
 * once the source is closed. A local server answers like the management API; the test runs the
 * executor's tasks and moves the ticker by hand.
 */
@Timeout(30)
class BackgroundManagementListingTest {

    private static final String VHOST = "jobs";
    private static final Duration REFRESH = Duration.ofSeconds(30);
    private static final Duration STALE_AFTER = Duration.ofSeconds(60);
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong ticker = new AtomicLong(1_000 * SECOND);
    private final Deque<Runnable> tasks = new ArrayDeque<>();

    /** A queue with rates; {@code ackRate} negative is the plugin's answer after a counter reset (unknown). */
    private static String queue(String name, long ready, double publishRate, double ackRate) {
        return "{\"name\":\"" + name + "\",\"vhost\":\"jobs\",\"messages_ready\":" + ready
                + ",\"messages_unacknowledged\":0,\"consumers\":1,\"message_stats\":{\"publish_details\":{\"avg_rate\":"
                + publishRate + "},\"ack_details\":{\"avg_rate\":" + ackRate + "},\"publish\":100,\"deliver_get\":"
                + (101 - ready) + ",\"redeliver\":0}}";
    }

    private static FakeManagementApi server(AtomicReference<FakeManagementApi.Answer> listing) throws IOException {
        return new FakeManagementApi(uri -> listing.get());
    }

    private static FakeManagementApi.Answer page(String... items) {
        return new FakeManagementApi.Answer(200, pageBody(1, 1, items.length, items));
    }

    private BackgroundManagementListing background(FakeManagementApi server, QueueSelection selection) {
        ManagementApiClient client = new ManagementApiClient(server.uri(null),
                RabbitMqUris.credentials(server.uri(null), null), Duration.ofSeconds(2), 500);
        return new BackgroundManagementListing("rabbit", List.of(VHOST),
                new ManagementListing("rabbit", selection, client, Clock.systemUTC()), tasks::add, REFRESH,
                STALE_AFTER, Duration.ofSeconds(2), ticker::get);
    }

    /** What the counts poll produced: a listed queue, one created after the listing, one the broker does not have. */
    private static List<QueueSample> counts() {
        return new ArrayList<>(List.of(
                QueueSample.builder("rabbit", "a").label("vhost", VHOST).value(QueueMetric.READY, 3).build(),
                QueueSample.builder("rabbit", "reset").label("vhost", VHOST).value(QueueMetric.READY, 0).build(),
                QueueSample.builder("rabbit", "new").label("vhost", VHOST).value(QueueMetric.READY, 1).build(),
                ManagementListing.missing("rabbit", "gone", VHOST)));
    }

    private static Map<QueueMetric, Double> merged(BackgroundManagementListing background, String queue) {
        List<QueueSample> out = counts();
        background.merge(VHOST, out, 0);
        return out.stream().filter(s -> s.queue().equals(queue)).findFirst().orElseThrow().values();
    }

    private void runTasks() {
        while (!tasks.isEmpty()) {
            tasks.poll().run();
        }
    }

    @Test
    void theCountsPollNeverWaitsAndGetsTheLastListingsRatesAndAgeWhereItLacksThem() throws Exception {
        AtomicReference<FakeManagementApi.Answer> listing = new AtomicReference<>(page(queue("a", 0, 2.5, 1.5),
                queue("reset", 0, 4.0, -1.0), queue("gone", 0, 9.0, 9.0)));
        try (FakeManagementApi server = server(listing)) {
            BackgroundManagementListing background = background(server, QueueSelection.pattern(Pattern.compile(".")));
            background.refreshIfDue();
            background.refreshIfDue(); // one at a time
            assertThat(tasks).hasSize(1);
            assertThat(server.requests).as("handed to the pool, not run by the counts poll").isEmpty();
            assertThat(merged(background, "a")).as("before the first listing: absent").containsOnlyKeys(QueueMetric.READY);

            runTasks();
            assertThat(merged(background, "a")).isEqualTo(Map.of(QueueMetric.READY, 3.0, QueueMetric.ARRIVAL_RATE, 2.5,
                    QueueMetric.COMPLETION_RATE, 1.5, QueueMetric.OLDEST_AGE_SECONDS, 0.0));
            assertThat(merged(background, "reset")).as("a negative rate is unknown, not 0")
                    .containsOnlyKeys(QueueMetric.READY, QueueMetric.ARRIVAL_RATE, QueueMetric.OLDEST_AGE_SECONDS);
            assertThat(merged(background, "new")).as("not in the listing").containsOnlyKeys(QueueMetric.READY);
            assertThat(merged(background, "gone")).as("the counts poll found it gone: its zeros stay")
                    .containsEntry(QueueMetric.ARRIVAL_RATE, 0.0).containsEntry(QueueMetric.COMPLETION_RATE, 0.0);
            List<QueueSample> otherVhost = counts();
            background.merge("other", otherVhost, 0);
            assertThat(otherVhost).isEqualTo(counts());
        }
    }

    @Test
    void aListingIsDueOnlyOnceTheRefreshIntervalHasPassedSinceTheLastOneStarted() throws Exception {
        AtomicReference<FakeManagementApi.Answer> listing = new AtomicReference<>(page(queue("a", 0, 2.5, 1.5)));
        try (FakeManagementApi server = server(listing)) {
            BackgroundManagementListing background = background(server, QueueSelection.fixed(List.of("a")));
            background.refreshIfDue();
            runTasks();
            ticker.addAndGet(REFRESH.toNanos() - 1);
            background.refreshIfDue();
            assertThat(tasks).isEmpty();
            ticker.addAndGet(1);
            background.refreshIfDue();
            assertThat(tasks).hasSize(1);
            listing.set(page(queue("a", 0, 7.0, 1.5)));
            runTasks();
            assertThat(merged(background, "a")).containsEntry(QueueMetric.ARRIVAL_RATE, 7.0);
            assertThat(server.requests).hasSize(2);
        }
    }

    @Test
    void aFailingListingKeepsTheLastGoodValuesUntilStaleThenTheyAreAbsentNeverZero() throws Exception {
        AtomicReference<FakeManagementApi.Answer> listing = new AtomicReference<>(page(queue("a", 0, 2.5, 1.5)));
        try (FakeManagementApi server = server(listing)) {
            BackgroundManagementListing background = background(server, QueueSelection.fixed(List.of("a")));
            background.refreshIfDue();
            runTasks(); // the good listing completes now
            listing.set(new FakeManagementApi.Answer(503, "busy"));
            ticker.addAndGet(REFRESH.toNanos());
            background.refreshIfDue();
            runTasks(); // fails: no exception reaches the counts poll
            ticker.addAndGet(STALE_AFTER.toNanos() - REFRESH.toNanos());
            assertThat(merged(background, "a")).as("exactly staleAfter old: still served")
                    .containsEntry(QueueMetric.ARRIVAL_RATE, 2.5).containsEntry(QueueMetric.OLDEST_AGE_SECONDS, 0.0);
            ticker.addAndGet(1);
            assertThat(merged(background, "a")).as("older: absent, not old and not 0").containsOnlyKeys(QueueMetric.READY);

            listing.set(page(queue("a", 0, 3.0, 1.0)));
            background.refreshIfDue();
            runTasks();
            assertThat(merged(background, "a")).containsEntry(QueueMetric.ARRIVAL_RATE, 3.0);
        }
    }

    @Test
    void aListingThatNeverSucceededAddsNothing() throws Exception {
        AtomicReference<FakeManagementApi.Answer> listing = new AtomicReference<>(new FakeManagementApi.Answer(401, "no"));
        try (FakeManagementApi server = server(listing)) {
            BackgroundManagementListing background = background(server, QueueSelection.fixed(List.of("a")));
            background.refreshIfDue();
            runTasks();
            assertThat(merged(background, "a")).containsOnlyKeys(QueueMetric.READY);
        }
    }

    @Test
    void closeInterruptsTheRunningListingWaitsForItAndStartsNoOther() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (FakeManagementApi server = new FakeManagementApi(uri -> {
            asked.countDown();
            try {
                release.await(20, TimeUnit.SECONDS); // a broker that does not answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return page(queue("a", 0, 2.5, 1.5));
        })) {
            List<Thread> threads = new ArrayList<>();
            ManagementApiClient client = new ManagementApiClient(server.uri(null),
                    RabbitMqUris.credentials(server.uri(null), null), Duration.ofSeconds(15), 500);
            BackgroundManagementListing background = new BackgroundManagementListing("rabbit", List.of(VHOST),
                    new ManagementListing("rabbit", QueueSelection.fixed(List.of("a")), client, Clock.systemUTC()),
                    task -> {
                        Thread t = new Thread(task, "listing");
                        threads.add(t);
                        t.start();
                    }, REFRESH, STALE_AFTER, Duration.ofSeconds(5), ticker::get);
            background.refreshIfDue();
            assertThat(asked.await(5, TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();
            background.close();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("interrupted, not waited out")
                    .isLessThan(Duration.ofSeconds(4));
            threads.get(0).join(1_000); // its last step after close() returned: leaving the task
            assertThat(threads.get(0).isAlive()).as("the listing has ended").isFalse();
            release.countDown();
            assertThat(merged(background, "a")).containsOnlyKeys(QueueMetric.READY);

            ticker.addAndGet(REFRESH.toNanos());
            background.refreshIfDue();
            assertThat(threads).as("nothing starts on a closed source").hasSize(1);
        }
    }

    @Test
    void aListingQueuedBeforeCloseDoesNotRunAfterIt() throws Exception {
        AtomicReference<FakeManagementApi.Answer> listing = new AtomicReference<>(page(queue("a", 0, 2.5, 1.5)));
        try (FakeManagementApi server = server(listing)) {
            BackgroundManagementListing background = background(server, QueueSelection.fixed(List.of("a")));
            background.refreshIfDue();
            background.close();
            runTasks();
            assertThat(server.requests).isEmpty();
        }
    }
}
