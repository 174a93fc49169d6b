package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Completion and arrival rates of a Celery-on-Redis source with {@code workers: celery}: the
 * in-process adapter over HTTP and a real Celery 5.2.6 worker on Redis DB 8.
 */
@Timeout(180)
class CeleryRedisRatesIT {

    private static final int REDIS_DB = 8; // this test's own
    private static final String BUSY = "qma-rates-busy";
    private static final String QUIET = "qma-rates-quiet";
    private static final int TASKS = 20;

    private final URI redis = Brokers.redisUri(REDIS_DB);
    private RunningAdapter adapter;
    private CeleryWorker worker;

    @BeforeEach
    void emptyDb() {
        try (Jedis jedis = new Jedis(redis)) {
            jedis.flushDB();
        }
    }

    @AfterEach
    void stopEverything() {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            if (adapter != null) {
                adapter.close();
            }
            emptyDb();
        }
    }

    /**
     * 20 tasks of 0.1 s on a queue one worker consumes (the worker's whole heartbeat count belongs
     * to it). The rate is (count at the newest point - count at the oldest) / elapsed, the oldest
     * point being the last one at or before (newest - 60 s). The tasks are enqueued once the
     * adapter has polled for more than a minute, so the window spans E in [60 s, 60 s + one poll
     * interval and its jitter] and holds all 20 tasks while they are less than a minute old: then
     * rate * 60 = 20 * 60 / E, between about 19.8 and 20. The queue's outstanding is 0 before and
     * after, so arrivals over the same window are 20 too.
     */
    @Test
    void completionAndArrivalRatesOverTheLastMinuteCountTheTasksAQueuesWorkerStarted() throws Exception {
        String celeryUrl = Brokers.celeryBrokerUrl(redis);
        adapter = RunningAdapter.start("pollInterval: 500ms\nmaxStaleness: 5s\nsources:\n  - name: celery\n"
                + "    type: celery-redis\n    uri: " + redis + "\n    queues: [" + BUSY + ", " + QUIET + "]\n"
                + "    workers: celery\n    podWorkerTemplate: \"{pod}@test\"\n");
        long started = System.nanoTime();
        worker = CeleryWorker.start(CeleryWorker.Options.of(celeryUrl, "rates@test", BUSY).concurrency(2));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                assertThat(adapter.metric("workers_total", "celery", BUSY)).isEqualTo(1));
        // rates exist once two polls are known; nothing happened yet
        assertThat(adapter.metric("queue_completion_rate", "celery", BUSY)).isZero();
        assertThat(adapter.metric("queue_arrival_rate", "celery", BUSY)).isZero();

        // let the window fill: a minute of polls before the first task (see the method comment)
        long waitMs = Duration.ofSeconds(62).toMillis() - (System.nanoTime() - started) / 1_000_000;
        if (waitMs > 0) {
            Thread.sleep(waitMs);
        }
        CeleryWorker.enqueue(celeryUrl, BUSY, TASKS, 0.1, null);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("queue_outstanding", "celery", BUSY)).isZero();
            assertThat(adapter.metric("queue_completion_rate", "celery", BUSY) * 60).as("tasks started in the window")
                    .isBetween(19.5, 20.0 + 1e-6);
            assertThat(adapter.metric("queue_arrival_rate", "celery", BUSY) * 60).as("tasks arrived in the window")
                    .isBetween(19.5, 20.0 + 1e-6);
        });
        assertThat(adapter.metric("queue_completion_rate", "celery", QUIET)).isZero();
        assertThat(adapter.metric("queue_arrival_rate", "celery", QUIET)).isZero();
    }
}
