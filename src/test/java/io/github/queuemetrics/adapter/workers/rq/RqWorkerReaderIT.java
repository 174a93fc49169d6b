package io.github.queuemetrics.adapter.workers.rq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * Real rq 1.13 workers (Debian's python3-rq) in Redis DB 10: the reader, the per-queue view and the
 * probe through idle, busy, warm shutdown (drained, then gone) and SIGKILL (silent, then gone).
 */
@Timeout(300)
class RqWorkerReaderIT {

    static final int DB = 10;
    static final String QA = "rqw-a";
    static final String QB = "rqw-b";
    static final String QK = "rqw-k";
    static final List<String> QUEUES = List.of(QA, QB, QK);

    static URI uri;
    static RedisClient redis;

    @BeforeAll
    static void connect() {
        uri = Brokers.redisUri(DB);
        try (Jedis jedis = new Jedis(uri)) {
            // Jedis.getDB() is a client-side field that a URI's db does not update: ask the server
            assertThat(jedis.clientInfo()).as("this test owns Redis DB %d only", DB).contains(" db=" + DB + " ");
            jedis.flushDB();
        }
        redis = RedisClient.create(uri);
    }

    @AfterAll
    static void close() {
        if (redis != null) {
            redis.close();
        }
    }

    /** Worker names are global on the rq:pubsub channel (not DB-scoped): make ours unique. */
    static String workerName(String role) {
        return "qma-rqw-" + role + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Map<String, RqQueueWorkers> poll(RqWorkerReader reader, RqWorkerView view) {
        return view.update(reader.read(), QUEUES);
    }

    @Test
    void idleBusyWarmShutdownDrainedThenGone() {
        String n1 = workerName("one");
        String n2 = workerName("two");
        try (RqWorker w1 = RqWorker.start(uri.toString(), n1, QA, QB);
                RqWorker w2 = RqWorker.start(uri.toString(), n2, QA, QB)) {
            RqWorkerReader reader = new RqWorkerReader(redis);
            RqWorkerView view = new RqWorkerView();

            // idle: 2 workers on each queue, none busy
            Map<String, RqQueueWorkers> q = poll(reader, view);
            assertThat(q.get(QA)).isEqualTo(new RqQueueWorkers(QA, 2, 0, 0.0));
            assertThat(q.get(QB)).isEqualTo(new RqQueueWorkers(QB, 2, 0, 0.0));
            assertThat(q.get(QK)).isEqualTo(new RqQueueWorkers(QK, 0, 0, 0.0));
            RqWorkerInfo info1 = view.worker(n1).orElseThrow();
            assertThat(info1.version()).isEqualTo("1.13.0");
            assertThat(info1.pid()).isEqualTo(w1.process().pid());
            assertThat(info1.queues()).containsExactly(QA, QB);
            assertThat(info1.state()).isEqualTo("idle");
            // idle heartbeat: EXPIRE worker_ttl + 60 = 480 s
            assertThat(info1.keyTtlMillis()).isBetween(400_000L, 480_000L);
            assertThat(view.probe(n1, Instant.now()).httpStatus()).isEqualTo(200);
            assertThat(view.probe(n2, Instant.now()).httpStatus()).isEqualTo(200);

            // a long job on a: one worker busy; it counts as busy on b too (it is one worker)
            String jobId = RqWorker.enqueue(uri.toString(), QA, 1, 12).get(0);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                    .until(() -> poll(reader, view).get(QA).busy() == 1);
            q = poll(reader, view);
            assertThat(q.get(QA).total()).isEqualTo(2);
            assertThat(q.get(QA).busy()).isEqualTo(1);
            assertThat(q.get(QB).busy()).isEqualTo(1);
            assertThat(q.get(QA).utilization()).isGreaterThan(0.0).isLessThan(1.0);
            String busyName = view.worker(n1).orElseThrow().busy() ? n1 : n2;
            String idleName = busyName.equals(n1) ? n2 : n1;
            RqWorker busyWorker = busyName.equals(n1) ? w1 : w2;
            RqWorkerInfo busyInfo = view.worker(busyName).orElseThrow();
            assertThat(busyInfo.currentJobs()).containsExactly(jobId);
            assertThat(busyInfo.state()).isEqualTo("busy");
            // busy heartbeat: EXPIRE job_monitoring_interval + 60 = 90 s
            assertThat(busyInfo.keyTtlMillis()).isBetween(30_000L, 90_000L);
            assertThat(view.probe(busyName, Instant.now()).httpStatus()).isEqualTo(200);
            assertThat(view.probe(idleName, Instant.now()).httpStatus()).isEqualTo(200);

            // warm shutdown while busy: drained (still counted, still busy), then gone after exit
            redis.publish("rq:pubsub:" + busyName, "{\"command\":\"shutdown\"}");
            AtomicReference<ProbeResult> probe = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                poll(reader, view);
                probe.set(view.probe(busyName, Instant.now()));
                return !probe.get().ready();
            });
            assertThat(probe.get().httpStatus()).isEqualTo(503);
            assertThat(probe.get().reason()).contains("drained").contains("warm shutdown requested");
            q = poll(reader, view);
            assertThat(busyWorker.process().isAlive()).isTrue();
            assertThat(q.get(QA).total()).isEqualTo(2);
            assertThat(q.get(QA).busy()).isEqualTo(1);
            assertThat(view.probe(idleName, Instant.now()).ready()).isTrue();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                poll(reader, view);
                probe.set(view.probe(busyName, Instant.now()));
                return probe.get().reason().contains("gone");
            });
            assertThat(probe.get().httpStatus()).isEqualTo(503);
            assertThat(probe.get().reason()).contains("exited at");
            RqWorkerInfo gone = view.worker(busyName).orElseThrow();
            assertThat(gone.registered()).isFalse();
            assertThat(gone.death()).isNotNull();
            // register_death: EXPIRE 60 on the hash
            assertThat(gone.keyTtlMillis()).isBetween(0L, 60_000L);
            assertThat(busyWorker.process().waitFor(Duration.ofSeconds(10))).isTrue();
            q = poll(reader, view);
            assertThat(q.get(QA)).extracting(RqQueueWorkers::total, RqQueueWorkers::busy).containsExactly(1, 0);
            assertThat(view.probe(idleName, Instant.now()).ready()).isTrue();
        }
    }

    /**
     * SIGKILL gives the worker no chance to write {@code death} or leave {@code rq:workers}: only the
     * hash's TTL tells. With the default worker_ttl (420 s) an idle killed worker stays "alive" for
     * up to 435 s, is "silent" until 480 s, then "gone". Here the worker runs with
     * {@code --worker-ttl 5} (heartbeat every second, EXPIRE 65 s), so silence shows after ~20 s and
     * the hash expires after ~65 s.
     */
    @Test
    void sigkilledWorkerTurnsSilentWhileItsHashLivesThenGone() {
        String name = workerName("kill");
        try (RqWorker worker = RqWorker.start(uri.toString(), name, List.of("--worker-ttl", "5"), QK)) {
            RqWorkerReader reader = new RqWorkerReader(redis);
            RqWorkerView view = new RqWorkerView();
            assertThat(poll(reader, view).get(QK).total()).isEqualTo(1);
            assertThat(view.worker(name).orElseThrow().keyTtlMillis()).isBetween(55_000L, 65_000L);
            assertThat(view.probe(name, Instant.now()).ready()).isTrue();

            worker.kill();
            assertThat(worker.process().waitFor(Duration.ofSeconds(10))).isTrue();
            Instant killedAt = Instant.now();

            AtomicReference<ProbeResult> probe = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
                poll(reader, view);
                probe.set(view.probe(name, Instant.now()));
                return !probe.get().ready();
            });
            Duration untilSilent = Duration.between(killedAt, Instant.now());
            assertThat(probe.get().reason()).contains("silent").contains("no heartbeat since");
            // heartbeat grace 60 s - tolerance 15 s of an EXPIRE 65 s: ~20 s after the last heartbeat
            assertThat(untilSilent).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
            RqWorkerInfo silent = view.worker(name).orElseThrow();
            assertThat(silent.hashPresent()).isTrue();
            assertThat(silent.registered()).isTrue();
            assertThat(silent.death()).isNull();
            assertThat(poll(reader, view).get(QK).total()).isZero();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                poll(reader, view);
                probe.set(view.probe(name, Instant.now()));
                return !view.worker(name).orElseThrow().hashPresent();
            });
            assertThat(probe.get().reason()).contains("gone").contains("expired without a heartbeat");
            // RQ only prunes rq:workers in its maintenance (every 10 min): the dead name is still listed
            assertThat(view.worker(name).orElseThrow().registered()).isTrue();
        }
    }
}
