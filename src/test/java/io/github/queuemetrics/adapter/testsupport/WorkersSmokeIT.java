package io.github.queuemetrics.adapter.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test harness itself: real Celery and RQ workers start, take a task, and stop. */
@Timeout(120)
class WorkersSmokeIT {

    @Test
    void celeryWorkerOnRedisRunsAnEnqueuedTask() {
        String broker = Brokers.redisUri(14).toString();
        try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "smoke@test", "smoke-celery"))) {
            List<String> ids = CeleryWorker.enqueue(broker, "smoke-celery", 1, 0, null);
            assertThat(ids).hasSize(1);
            worker.process().awaitLine(l -> l.contains(ids.get(0)) && l.contains("succeeded"), Duration.ofSeconds(30));
        }
    }

    @Test
    void celeryWorkerOnItsOwnRabbitVhostRunsAnEnqueuedTask() {
        String broker = Brokers.celeryBrokerUrl(Brokers.rabbitVhost("qma-smoke"));
        try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "smoke@rabbit", "smoke-celery"))) {
            List<String> ids = CeleryWorker.enqueue(broker, "smoke-celery", 1, 0, null);
            worker.process().awaitLine(l -> l.contains(ids.get(0)) && l.contains("succeeded"), Duration.ofSeconds(30));
        }
    }

    @Test
    void rqWorkerRunsAnEnqueuedJob() {
        String redis = Brokers.redisUri(14).toString();
        try (RqWorker worker = RqWorker.start(redis, "smoke-rq-worker", "smoke-rq")) {
            List<String> ids = RqWorker.enqueue(redis, "smoke-rq", 1, 0);
            assertThat(ids).hasSize(1);
            worker.process().awaitLine(l -> l.contains("Job OK") || l.contains(ids.get(0) + ")"), Duration.ofSeconds(30));
        }
    }
}
