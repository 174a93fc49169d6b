package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.scaledown.WorkerControl.RunningTask;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The hook's view of a real RQ worker (Redis DB 10, this branch's): alive, the job it runs, gone. */
class RqWorkerControlIT {

    static final String QUEUE = "i7-hook-rq";
    static final String WORKER = "i7-hook-rq-0";

    @Test
    void seesTheJobARealWorkerRunsAndWhenItIsGone() {
        URI uri = Brokers.redisUri(10);
        try (Jedis redis = new Jedis(uri)) {
            redis.flushDB(); // DB 10 is this branch's own
        }
        try (RqWorkerControl control = RqWorkerControl.forSource(uri, "i7-hook");
             RqWorker worker = RqWorker.start(uri.toString(), WORKER, QUEUE)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> control.alive(WORKER));
            assertThat(control.alive("nobody")).isFalse();
            assertThat(control.consumedQueues(WORKER)).contains(List.of()); // RQ: nothing to cancel
            assertThat(control.loads(List.of(WORKER)).get(WORKER).idle()).isTrue();

            java.time.Instant enqueued = java.time.Instant.now();
            String job = RqWorker.enqueue(uri.toString(), QUEUE, 1, 4).get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> !control.loads(List.of(WORKER)).get(WORKER).idle());
            List<RunningTask> running = control.loads(List.of(WORKER)).get(WORKER).running();
            assertThat(running).extracting(RunningTask::id).containsExactly(job);
            // started_at from the job hash: the wall-clock start, for the run-time-weighted cost
            assertThat(running.get(0).startedAt()).isBetween(enqueued.minusSeconds(1), java.time.Instant.now());
            await().atMost(Duration.ofSeconds(15)).until(() -> control.loads(List.of(WORKER)).get(WORKER).idle());

            worker.close(); // warm shutdown: RQ removes its registration
            await().atMost(Duration.ofSeconds(15)).until(() -> !control.alive(WORKER));
        }
    }
}
