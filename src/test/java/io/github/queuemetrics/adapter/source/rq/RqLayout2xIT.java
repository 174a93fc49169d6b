package io.github.queuemetrics.adapter.source.rq;

import static io.github.queuemetrics.adapter.source.rq.RqTestSupport.config;
import static io.github.queuemetrics.adapter.source.rq.RqTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * LAYOUT test for RQ 2.x: no RQ 2.x worker is available here (Debian ships python3-rq 1.13), so
 * these tests write the keys exactly as the reference documents them for rq 2.10
 * (broker-protocols §5, checked against rq/queue.py, rq/executions.py and rq/registry.py): wip
 * members {@code <job_id>:<execution_id>} scored by expiry, the
 * {@code rq:queue:<q>:intermediate} list filled by BLMOVE, job hashes with {@code status} and
 * {@code enqueued_at}, and the finished/failed registries scored by end time + TTL. Real Redis, DB 5.
 */
@Timeout(60)
class RqLayout2xIT {

    private static final int DB = 5;
    private static final String Q = "rq2-layout";
    private static final DateTimeFormatter RQ_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final URI uri = Brokers.redisUri(DB);
    private Jedis redis;

    @BeforeEach
    void cleanDb() {
        redis = RqTestSupport.jedis(uri);
        redis.flushDB(); // DB 5 is this test's own
    }

    @AfterEach
    void closeRedis() {
        redis.flushDB();
        redis.close();
    }

    @Test
    void rq2LayoutCountsEveryJobOnceAcrossQueueIntermediateAndWip() throws Exception {
        double now = System.currentTimeMillis() / 1000.0;
        redis.sadd("rq:queues", "rq:queue:" + Q);
        job("w1", "queued", Instant.now().minusSeconds(30));
        job("w2", "queued", Instant.now().minusSeconds(5));
        redis.rpush("rq:queue:" + Q, "w1", "w2");
        // s1: BLMOVEd and already registered, the horse has not LREMed it yet (in both places)
        // c1: BLMOVEd, not registered yet (taken, not started)
        // x1: left behind by a crashed horse; the job already ended
        job("s1", "started", Instant.now().minusSeconds(60));
        job("c1", "queued", Instant.now().minusSeconds(60));
        job("x1", "finished", Instant.now().minusSeconds(60));
        redis.rpush("rq:queue:" + Q + ":intermediate", "s1", "c1", "x1");
        job("r1", "started", Instant.now().minusSeconds(60));
        job("inf1", "started", Instant.now().minusSeconds(60));
        job("a1", "started", Instant.now().minusSeconds(600));
        redis.zadd("rq:wip:" + Q, Map.of(
                "s1:" + execution(), now + 60,
                "r1:" + execution(), now + 60,
                "r1:" + execution(), now + 90,          // a second execution of the same job
                "inf1:" + execution(), Double.POSITIVE_INFINITY, // job timeout -1
                "a1:" + execution(), now - 10));        // expired: abandoned, awaiting cleanup

        try (RqSource source = new RqSource(config("rq2-layout", uri, List.of(Q), null))) {
            SourceSnapshot s = source.poll();
            assertThat(value(s, Q, QueueMetric.READY)).isEqualTo(2);
            assertThat(value(s, Q, QueueMetric.UNACKED)).as("c1 only").isEqualTo(1);
            assertThat(value(s, Q, QueueMetric.RUNNING)).as("s1, r1, inf1").isEqualTo(3);
            assertThat(value(s, Q, QueueMetric.OUTSTANDING)).isEqualTo(6);
            assertThat(value(s, Q, QueueMetric.OLDEST_AGE_SECONDS)).isBetween(29.0, 40.0);
            // what a plain ZCOUNT would have said: r1 twice
            assertThat(redis.zcount("rq:wip:" + Q, "(" + now, "+inf")).isEqualTo(4);
        }
    }

    @Test
    void rq2LayoutCompletionsAndArrivalsFromTheFinishedAndFailedRegistries() throws Exception {
        double now = System.currentTimeMillis() / 1000.0;
        redis.sadd("rq:queues", "rq:queue:" + Q);
        job("w1", "queued", Instant.now());
        redis.rpush("rq:queue:" + Q, "w1");
        job("s1", "started", Instant.now());
        redis.zadd("rq:wip:" + Q, now + 60, "s1:" + execution());
        redis.zadd("rq:finished:" + Q, Map.of("old1", now + 400, "soon", now + 2));
        redis.zadd("rq:failed:" + Q, now + 31_536_000, "oldfail");

        try (RqSource source = new RqSource(config("rq2-layout-rates", uri, List.of(Q), null))) {
            SourceSnapshot first = source.poll();
            assertThat(value(first, Q, QueueMetric.OUTSTANDING)).isEqualTo(2);
            Thread.sleep(1500);

            // s1 finished (result_ttl 500), two more jobs came and finished (one kept forever,
            // result_ttl -1), one failed; RQ's cleanup removed the expired "soon"; two new jobs wait
            double later = System.currentTimeMillis() / 1000.0;
            redis.zrem("rq:wip:" + Q, redis.zrange("rq:wip:" + Q, 0, -1).toArray(String[]::new));
            redis.zadd("rq:finished:" + Q, Map.of("s1", later + 500, "n1", later + 500,
                    "n2", Double.POSITIVE_INFINITY));
            redis.zadd("rq:failed:" + Q, later + 31_536_000, "n3");
            redis.zrem("rq:finished:" + Q, "soon");
            job("w2", "queued", Instant.now());
            job("w3", "queued", Instant.now());
            redis.rpush("rq:queue:" + Q, "w2", "w3");

            SourceSnapshot second = source.poll();
            double seconds = Duration.between(first.takenAt(), second.takenAt()).toMillis() / 1000.0;
            assertThat(value(second, Q, QueueMetric.OUTSTANDING)).isEqualTo(3);
            // completions: s1, n1, n2, n3 = 4; arrivals: 4 completed + (3 - 2) outstanding = 5
            assertThat(value(second, Q, QueueMetric.COMPLETION_RATE) * seconds).isCloseTo(4.0, within(0.01));
            assertThat(value(second, Q, QueueMetric.ARRIVAL_RATE) * seconds).isCloseTo(5.0, within(0.01));
        }
    }

    private void job(String id, String status, Instant enqueuedAt) {
        redis.hset("rq:job:" + id, Map.of("status", status, "origin", Q,
                "created_at", RQ_FORMAT.format(enqueuedAt), "enqueued_at", RQ_FORMAT.format(enqueuedAt)));
    }

    /** rq 2.x execution ids are uuid4().hex. */
    private static String execution() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
