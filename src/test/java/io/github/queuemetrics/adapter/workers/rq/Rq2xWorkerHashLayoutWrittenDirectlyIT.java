package io.github.queuemetrics.adapter.workers.rq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * LAYOUT TEST, NO REAL WORKER: Debian ships only rq 1.13, so this test writes the worker keys of
 * rq 2.10 (hash with {@code current_job}) and of rq master after 2.10 ({@code current_job} gone,
 * set {@code rq:worker:<name>:executions} of {@code <job_id>:<execution_id>}) into Redis DB 11
 * itself, with the EXPIREs those versions' heartbeat() sets, exactly as
 * /work/shared/reference/broker-protocols.md §5 and rq's {@code worker/base.py} describe them, and
 * checks what the real reader makes of them.
 */
@Timeout(60)
class Rq2xWorkerHashLayoutWrittenDirectlyIT {

    static final int DB = 11;
    static URI uri;
    static RedisClient redis;

    @BeforeAll
    static void connect() {
        uri = Brokers.redisUri(DB);
        redis = RedisClient.create(uri);
    }

    @AfterAll
    static void close() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void cleanOwnDb() {
        try (Jedis jedis = new Jedis(uri)) {
            assertThat(jedis.clientInfo()).as("this test owns Redis DB %d only", DB).contains(" db=" + DB + " ");
            jedis.flushDB();
        }
    }

    /** What rq 2.x register_birth + heartbeat write: serialize() fields, then EXPIRE. */
    static void writeWorker(String name, String version, String state, String queues, int expireSeconds,
            Map<String, String> extra) {
        String key = "rq:worker:" + name;
        String now = Instant.now().toString();
        redis.hset(key, Map.of("birth", now, "last_heartbeat", now, "queues", queues, "pid", "4242",
                "hostname", "pod-" + name, "ip_address", "10.0.0.7:40000", "version", version,
                "python_version", "3.12.3", "state", state));
        if (!extra.isEmpty()) {
            redis.hset(key, extra);
        }
        redis.expire(key, expireSeconds);
        redis.sadd("rq:workers", key);
        for (String q : queues.split(",")) {
            redis.sadd("rq:workers:" + q, key);
        }
    }

    @Test
    void rq210HashWithCurrentJobAndMasterExecutionsSet() {
        writeWorker("v210-busy", "2.10.0", "busy", "high,default", 90,
                Map.of("current_job", "6c1f0d6e-1", "current_job_working_time", "3.5",
                        "successful_job_count", "4", "total_working_time", "20.25"));
        writeWorker("master-busy", "2.11.0.dev0", "busy", "default", 90, Map.of());
        redis.sadd("rq:worker:master-busy:executions", "9a8b-2:exec-1");
        redis.expire("rq:worker:master-busy:executions", 90);
        writeWorker("master-idle", "2.11.0.dev0", "idle", "default", 480, Map.of());

        RqWorkerReader reader = new RqWorkerReader(redis);
        RqWorkerPoll poll = reader.read();
        assertThat(poll.workers()).extracting(RqWorkerInfo::name)
                .containsExactly("master-busy", "master-idle", "v210-busy");

        RqWorkerInfo v210 = poll.worker("v210-busy").orElseThrow();
        assertThat(v210.currentJobs()).containsExactly("6c1f0d6e-1");
        assertThat(v210.executionsLayout()).isFalse();
        assertThat(v210.version()).isEqualTo("2.10.0");
        assertThat(v210.successfulJobCount()).isEqualTo(4);
        assertThat(v210.totalWorkingTimeSeconds()).isEqualTo(20.25);
        assertThat(v210.pid()).isEqualTo(4242L);
        assertThat(v210.keyTtlMillis()).isBetween(85_000L, 90_000L);

        RqWorkerInfo masterBusy = poll.worker("master-busy").orElseThrow();
        assertThat(masterBusy.currentJobs()).containsExactly("9a8b-2:exec-1");
        assertThat(masterBusy.executionsLayout()).isTrue();
        assertThat(masterBusy.busy()).isTrue();
        assertThat(poll.worker("master-idle").orElseThrow().busy()).isFalse();

        RqWorkerView view = new RqWorkerView();
        Map<String, RqQueueWorkers> q = view.update(poll, List.of("default", "high"));
        assertThat(q.get("default")).extracting(RqQueueWorkers::total, RqQueueWorkers::busy).containsExactly(3, 2);
        assertThat(q.get("high")).extracting(RqQueueWorkers::total, RqQueueWorkers::busy).containsExactly(1, 1);
        assertThat(view.probe("master-busy", Instant.now()).ready()).isTrue();

        // the second poll reads every known worker in the one pipeline: same answer
        assertThat(reader.knownNames()).containsExactlyInAnyOrder("v210-busy", "master-busy", "master-idle");
        assertThat(reader.read().workers()).extracting(RqWorkerInfo::name)
                .containsExactly("master-busy", "master-idle", "v210-busy");
    }

    @Test
    void deathAfterLeavingTheRegistryAndExpiryWithoutDeath() {
        writeWorker("leaving", "2.10.0", "busy", "default", 90, Map.of("current_job", "j-1"));
        writeWorker("vanishing", "2.10.0", "idle", "default", 480, Map.of());
        RqWorkerReader reader = new RqWorkerReader(redis);
        RqWorkerView view = new RqWorkerView();
        view.update(reader.read(), List.of("default"));
        assertThat(view.queue("default").orElseThrow().total()).isEqualTo(2);

        // warm shutdown as 2.x writes it: shutdown_requested_date, then register_death
        redis.hset("rq:worker:leaving", "shutdown_requested_date", Instant.now().toString());
        view.update(reader.read(), List.of("default"));
        assertThat(view.probe("leaving", Instant.now()).reason()).contains("drained");
        redis.srem("rq:workers", "rq:worker:leaving");
        redis.srem("rq:workers:default", "rq:worker:leaving");
        redis.hset("rq:worker:leaving", "death", Instant.now().toString());
        redis.hdel("rq:worker:leaving", "current_job");
        redis.expire("rq:worker:leaving", 60);
        // a killed worker: nothing written, the hash just expires (shortened here to 1 s)
        redis.pexpire("rq:worker:vanishing", 1000);
        await().atMost(Duration.ofSeconds(5)).until(() -> !redis.exists("rq:worker:vanishing"));

        RqWorkerPoll poll = reader.read();
        Map<String, RqQueueWorkers> q = view.update(poll, List.of("default"));
        assertThat(q.get("default")).extracting(RqQueueWorkers::total, RqQueueWorkers::busy).containsExactly(0, 0);
        RqWorkerInfo leaving = poll.worker("leaving").orElseThrow();
        assertThat(leaving.registered()).isFalse();
        assertThat(leaving.death()).isNotNull();
        assertThat(view.probe("leaving", Instant.now()).reason()).contains("gone").contains("exited at");
        RqWorkerInfo vanishing = poll.worker("vanishing").orElseThrow();
        assertThat(vanishing.hashPresent()).isFalse();
        assertThat(vanishing.registered()).isTrue();
        assertThat(view.probe("vanishing", Instant.now()).reason()).contains("gone")
                .contains("expired without a heartbeat");
        assertThat(view.probe("never-existed", Instant.now()).reason()).contains("unknown");
    }

    @Test
    void rqSuspendDrainsEveryWorker() {
        writeWorker("w", "2.10.0", "idle", "default", 480, Map.of());
        redis.set("rq:suspended", "1");
        RqWorkerReader reader = new RqWorkerReader(redis);
        RqWorkerView view = new RqWorkerView();
        RqWorkerPoll poll = reader.read();
        assertThat(poll.suspended()).isTrue();
        view.update(poll, List.of("default"));
        assertThat(view.probe("w", Instant.now()).reason()).contains("drained").contains("rq:suspended");
        redis.del("rq:suspended");
        view.update(reader.read(), List.of("default"));
        assertThat(view.probe("w", Instant.now()).ready()).isTrue();
    }
}
