package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CeleryWorkerRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NODE = "celery@worker-2";
    /** The worker's clock; the adapter's clock below is deliberately 1000 s off to show it does not matter. */
    private static final double WORKER_T0 = 1795462364.748;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final CeleryWorkerRegistry registry = new CeleryWorkerRegistry(clock);

    /** The heartbeat of broker-protocols.md section 4, with the timestamp moved by {@code dt} seconds. */
    private static ObjectNode heartbeat(String type, double dt) {
        return json("{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":96,\"freq\":2.0,"
                + "\"active\":2,\"processed\":4,\"loadavg\":[0.31,0.25,0.1],\"sw_ident\":\"py-celery\","
                + "\"sw_ver\":\"5.2.6\",\"sw_sys\":\"Linux\",\"timestamp\":" + (WORKER_T0 + dt) + ",\"type\":\"" + type
                + "\"}");
    }

    private static ObjectNode task(String type, String uuid, double dt) {
        return json("{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":100,\"uuid\":\"" + uuid
                + "\",\"timestamp\":" + (WORKER_T0 + dt) + ",\"type\":\"" + type + "\"}");
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void feed(String jsonText) {
        CeleryEventDecoder.fromJsonText(jsonText).forEach(registry::onEvent);
    }

    @Test
    void heartbeatFieldsAreKept() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        CeleryWorkerState w = registry.worker(NODE).orElseThrow();
        assertThat(w.aliveAt(clock.instant())).isTrue();
        assertThat(w.online()).isTrue();
        assertThat(w.freq()).isEqualTo(2.0);
        assertThat(w.active()).isEqualTo(2);
        assertThat(w.processed()).isEqualTo(4);
        assertThat(w.pid()).isEqualTo(8924);
        assertThat(w.lastHeartbeat()).isEqualTo(clock.instant()); // receive time, not the worker's timestamp
        assertThat(w.heartbeatExpires()).isEqualTo(clock.instant().plusSeconds(4));
    }

    @Test
    void aliveUntilExactlyTwoPeriodsAfterTheLastHeartbeat() {
        Instant received = clock.instant();
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        Instant edge = received.plusSeconds(4); // freq 2.0 * 200%
        assertThat(registry.isAlive(NODE, edge.minusNanos(1))).isTrue();
        assertThat(registry.isAlive(NODE, edge)).isFalse(); // Celery: now < expires, so the edge itself is dead
        assertThat(registry.isAlive(NODE, edge.plusMillis(1))).isFalse();
        // The next heartbeat 2 s later moves the window.
        clock.advance(Duration.ofSeconds(2));
        registry.onEvent(heartbeat("worker-heartbeat", 2));
        assertThat(registry.isAlive(NODE, edge)).isTrue();
        assertThat(registry.isAlive(NODE, edge.plusSeconds(2))).isFalse();
    }

    @Test
    void aForgedHugeFreqKeepsAWorkerAliveForTwoCappedPeriodsOnly() {
        ObjectNode forged = heartbeat("worker-heartbeat", 0).put("freq", 1.0e12).put("hostname", "phantom@x");
        registry.onEvent(forged);
        assertThat(registry.worker("phantom@x").orElseThrow().freq()).isEqualTo(1.0e12); // reported as sent
        Instant received = clock.instant();
        assertThat(registry.isAlive("phantom@x", received.plusSeconds(119))).isTrue();
        // freq counts as at most 60 s: dead two capped periods after the heartbeat
        assertThat(registry.isAlive("phantom@x", received.plusSeconds(120))).isFalse();
        assertThat(registry.worker("phantom@x").orElseThrow().heartbeatExpires())
                .isEqualTo(received.plusSeconds(120));
    }

    @Test
    void unknownWorkerIsNotAlive() {
        assertThat(registry.isAlive("celery@nobody", clock.instant())).isFalse();
        assertThat(registry.worker("celery@nobody")).isEmpty();
    }

    @Test
    void workerOfflineEndsLifeAtOnce() {
        registry.onEvent(heartbeat("worker-online", 0));
        registry.onEvent(task("task-started", "t-1", 0.2));
        clock.advance(Duration.ofMillis(500));
        registry.onEvent(heartbeat("worker-offline", 0.5));
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse(); // well inside the heartbeat window
        CeleryWorkerState w = registry.worker(NODE).orElseThrow();
        assertThat(w.online()).isFalse();
        assertThat(w.offlineAt()).isEqualTo(clock.instant());
        // A task event after offline (sent before it) is no sign of life either.
        registry.onEvent(task("task-succeeded", "t-1", 0.4));
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse();
    }

    @Test
    void lateHeartbeatSentBeforeOfflineDoesNotReviveButARestartDoes() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        registry.onEvent(heartbeat("worker-offline", 3));
        clock.advance(Duration.ofMillis(100));
        registry.onEvent(heartbeat("worker-heartbeat", 2)); // delayed in transit
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse();
        // The pod restarts with the same nodename: worker-online, then heartbeats.
        clock.advance(Duration.ofSeconds(5));
        registry.onEvent(heartbeat("worker-online", 8));
        assertThat(registry.isAlive(NODE, clock.instant())).isTrue();
        assertThat(registry.worker(NODE).orElseThrow().offlineAt()).isNull();
    }

    @Test
    void outOfOrderHeartbeatsKeepNewestFieldsAndLatestReceiveTime() {
        registry.onEvent(json(heartbeat("worker-heartbeat", 2).put("active", 1).toString()));
        clock.advance(Duration.ofMillis(10));
        registry.onEvent(json(heartbeat("worker-heartbeat", 0).put("active", 7).toString())); // older one, late
        CeleryWorkerState w = registry.worker(NODE).orElseThrow();
        assertThat(w.active()).isEqualTo(1);
        assertThat(w.lastHeartbeat()).isEqualTo(clock.instant());
    }

    @Test
    void taskEventsCountAsSignsOfLifeForAKnownWorker() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        clock.advance(Duration.ofSeconds(3));
        registry.onEvent(task("task-started", "s", 3));
        clock.advance(Duration.ofMillis(3500)); // 6.5 s after the heartbeat, 3.5 s after the task event
        assertThat(registry.isAlive(NODE, clock.instant())).isTrue();
    }

    @Test
    void aRunningTaskKeepsItsStartTimeFromTheWorkersClockUntilItEnds() {
        registry.onEvent(task("task-received", "long", 0));
        assertThat(registry.taskStarted("long")).isEmpty();
        registry.onEvent(task("task-started", "long", 1.5));
        registry.onEvent(task("task-started", "short", 2));
        assertThat(registry.taskStarted("long")).contains(Instant.ofEpochMilli(Math.round((WORKER_T0 + 1.5) * 1000)));
        registry.onEvent(task("task-succeeded", "long", 600));
        registry.onEvent(task("task-failed", "short", 601));
        assertThat(registry.taskStarted("long")).isEmpty();
        assertThat(registry.taskStarted("short")).isEmpty();
    }

    @Test
    void startTimesAreBoundedWhenEndEventsAreLost() {
        for (int i = 0; i <= TaskStartTimes.MAX_TASKS; i++) {
            registry.onEvent(task("task-started", "t" + i, i));
        }
        assertThat(registry.taskStarted("t0")).isEmpty();
        assertThat(registry.taskStarted("t" + TaskStartTimes.MAX_TASKS)).isPresent();
    }

    @Test
    void aTaskEventArrayFromTheWorkerIsASignOfLife() {
        registry.onEvent(heartbeat("worker-online", 0));
        clock.advance(Duration.ofSeconds(3));
        feed("[{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":97,\"uuid\":\"a\","
                + "\"name\":\"tasks.sleep\",\"timestamp\":1795462367.0,\"type\":\"task-received\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":98,\"uuid\":\"a\","
                + "\"timestamp\":1795462367.1,\"type\":\"task-started\"}]");
        assertThat(registry.worker(NODE).orElseThrow().lastHeartbeat()).isEqualTo(clock.instant());
        clock.advance(Duration.ofSeconds(3)); // 6 s after the heartbeat, 3 s after the task events
        assertThat(registry.isAlive(NODE, clock.instant())).isTrue();
    }

    @Test
    void workerEventWithoutTimestampIsNotAHeartbeat() {
        ObjectNode e = heartbeat("worker-heartbeat", 0);
        e.remove("timestamp");
        registry.onEvent(e);
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse();
        assertThat(registry.worker(NODE).orElseThrow().freq()).isEqualTo(2.0);
    }

    @Test
    void aTaskEventMakesAnUnknownWorkerKnownButNotAlive() {
        ObjectNode started = task("task-started", "m", 30);
        started.put("hostname", "celery@worker-3");
        registry.onEvent(started);
        assertThat(registry.worker("celery@worker-3")).isPresent();
        // Its heartbeat period is unknown: not alive until it sends a heartbeat.
        assertThat(registry.isAlive("celery@worker-3", clock.instant())).isFalse();
        assertThat(registry.worker("celery@worker-3").orElseThrow().lastHeartbeat()).isNull();
    }

    @Test
    void producerAndCustomTaskEventsAreNoSignOfLife() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        clock.advance(Duration.ofSeconds(3));
        registry.onEvent(task("task-sent", "p", 3));
        registry.onEvent(task("task-progress", "p", 3));
        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse();
        ObjectNode other = task("task-sent", "p", 3);
        other.put("hostname", "producer@x");
        registry.onEvent(other);
        assertThat(registry.worker("producer@x")).isEmpty();
    }

    @Test
    void forgetsWorkersGoneForLong() {
        CeleryWorkerRegistry small = new CeleryWorkerRegistry(clock, Duration.ofMinutes(10));
        small.onEvent(heartbeat("worker-online", 0));
        ObjectNode other = heartbeat("worker-online", 0);
        other.put("hostname", "celery@offline-one");
        small.onEvent(other);
        ObjectNode otherOff = heartbeat("worker-offline", 1);
        otherOff.put("hostname", "celery@offline-one");
        small.onEvent(otherOff);
        ObjectNode taskOnly = task("task-started", "x", 1);
        taskOnly.put("hostname", "celery@task-events-only");
        small.onEvent(taskOnly);
        assertThat(small.workers()).hasSize(3);

        clock.advance(Duration.ofSeconds(61));
        small.prune();
        assertThat(small.workers()).hasSize(3);

        clock.advance(Duration.ofMinutes(10)); // NODE expired 10 min 57 s ago, the other went offline 11 min ago
        small.prune();
        assertThat(small.workers()).isEmpty();
    }

    @Test
    void keepsAWorkerExpiredForLessThanTheRetention() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        clock.advance(Duration.ofMinutes(9));
        registry.prune();
        assertThat(registry.worker(NODE)).isPresent().get().extracting(w -> w.aliveAt(clock.instant()))
                .isEqualTo(false);
    }

    /** Probes read while the event thread writes: a reader must never wait for the writer's lock. */
    @Test
    void readersDoNotWaitForAWriterHoldingTheLock() throws Exception {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            synchronized (registry) { // what onEvent and prune hold
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        writer.start();
        try {
            assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Boolean> read = CompletableFuture.supplyAsync(() -> registry.isAlive(NODE, clock.instant())
                    && registry.worker(NODE).isPresent() && registry.workers().size() == 1);
            assertThat(read.get(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            release.countDown();
            writer.join();
        }
    }

    @Test
    void concurrentReadersSeeConsistentState() throws Exception {
        registry.onEvent(heartbeat("worker-online", 0));
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 5_000; i++) {
                registry.onEvent(json(heartbeat("worker-heartbeat", i + 1).put("processed", 5 + i).toString()));
            }
        });
        writer.start();
        long last = -1;
        while (writer.isAlive()) {
            List<CeleryWorkerState> all = registry.workers();
            assertThat(all).hasSize(1);
            long processed = all.get(0).processed();
            assertThat(processed).isGreaterThanOrEqualTo(last); // never goes back
            last = processed;
        }
        writer.join();
        assertThat(registry.worker(NODE).orElseThrow().processed()).isEqualTo(5_004);
        assertThat(registry.worker(NODE).orElseThrow().heartbeats()).isEqualTo(5_001);
    }
}
