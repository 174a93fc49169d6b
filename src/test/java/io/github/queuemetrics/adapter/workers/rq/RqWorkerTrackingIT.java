package io.github.queuemetrics.adapter.workers.rq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter.Probe;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** RQ worker tracking end to end: the in-process adapter over HTTP and real RQ 1.13 workers (Redis DB 7). */
@Timeout(120)
class RqWorkerTrackingIT {

    private static final int REDIS_DB = 7;
    private static final String QUEUE = "qma-trk-rq";
    private static final URI REDIS = Brokers.redisUri(REDIS_DB);

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        try (Jedis jedis = new Jedis(REDIS)) {
            jedis.flushDB(); // DB 7 belongs to this test class alone
        }
    }

    private static String labels(String worker) {
        return "{source=\"rq\",kind=\"rq\",worker=\"" + worker + "\"}";
    }

    @Test
    void workersPerQueueProbesAndAWarmShutdownThatDrainsABusyWorker() throws Exception {
        RunningAdapter adapter = RunningAdapter.start("pollInterval: 500ms\nmaxStaleness: 5s\nsources:\n"
                + "  - name: rq\n    type: rq\n    uri: " + REDIS + "\n    queues: [" + QUEUE + "]\n"
                + "    workers: rq\n    podWorkerTemplate: \"{pod}-rq\"\n");
        cleanup.add(adapter);
        CompletableFuture<RqWorker> first = CompletableFuture.supplyAsync(() -> RqWorker.start(REDIS.toString(),
                "r1-rq", QUEUE));
        CompletableFuture<RqWorker> second = CompletableFuture.supplyAsync(() -> RqWorker.start(REDIS.toString(),
                "r2-rq", QUEUE));
        List<RqWorker> workers = List.of(first.join(), second.join());
        workers.forEach(cleanup::add);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("workers_total", "rq", QUEUE)).isEqualTo(2);
            assertThat(adapter.metric("workers_busy", "rq", QUEUE)).isZero();
            assertThat(adapter.probe("/probe/rq/r1-rq").status()).isEqualTo(200);
            assertThat(adapter.probe("/probe/rq/r2-rq").status()).isEqualTo(200);
            assertThat(adapter.probe("/probe/pod/default/r1").status()).isEqualTo(200);
        });
        assertThat(adapter.probe("/probe/rq/nobody").status()).isEqualTo(503);

        RqWorker.enqueue(REDIS.toString(), QUEUE, 1, 8);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("workers_busy", "rq", QUEUE)).isEqualTo(1);
            assertThat(adapter.metric("workers_total", "rq", QUEUE)).isEqualTo(2);
            assertThat(adapter.metric("queue_running", "rq", QUEUE)).isEqualTo(1);
        });
        String scrape = adapter.scrape();
        String busy = null;
        for (RqWorker w : workers) {
            assertThat(RunningAdapter.sample(scrape, "worker_up" + labels(w.name()))).isEqualTo(1);
            assertThat(RunningAdapter.sample(scrape, "worker_slots" + labels(w.name()))).isEqualTo(1);
            if (RunningAdapter.sample(scrape, "worker_tasks_active" + labels(w.name())) == 1) {
                busy = w.name();
            }
        }
        assertThat(busy).as("the worker running the job, per worker_tasks_active").isNotNull();
        String idle = busy.equals("r1-rq") ? "r2-rq" : "r1-rq";
        assertThat(RunningAdapter.sample(scrape, "worker_tasks_active" + labels(idle))).isZero();

        // Warm shutdown of the busy worker, as `rq` sends it: it finishes its job, then exits.
        try (Jedis jedis = new Jedis(REDIS)) {
            assertThat(jedis.publish("rq:pubsub:" + busy, "{\"command\":\"shutdown\"}")).isEqualTo(1);
        }
        String drained = busy;
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Probe probe = adapter.probe("/probe/rq/" + drained);
            assertThat(probe.status()).isEqualTo(503);
            assertThat(probe.body()).contains("drained").contains("warm shutdown requested")
                    .contains("finishing its current job");
        });
        assertThat(adapter.probe("/probe/rq/" + idle).status()).isEqualTo(200);
        assertThat(adapter.probe("/probe/pod/default/" + drained.replace("-rq", "")).status()).isEqualTo(503);
        // the job still runs: still busy, still counted
        assertThat(adapter.metric("queue_running", "rq", QUEUE)).isEqualTo(1);

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("workers_total", "rq", QUEUE)).isEqualTo(1);
            assertThat(adapter.metric("workers_busy", "rq", QUEUE)).isZero();
            assertThat(adapter.metric("queue_outstanding", "rq", QUEUE)).isZero();
        });
        assertThat(adapter.probe("/probe/rq/" + drained).status()).isEqualTo(503);
        assertThat(adapter.probe("/probe/rq/" + idle).status()).isEqualTo(200);
        assertThat(adapter.metric("workers_utilization", "rq", QUEUE)).isGreaterThan(0).isLessThan(1);
    }
}
