package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.workers.celery.CeleryTaskState.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
        assertThat(w.alive()).isTrue();
        assertThat(w.online()).isTrue();
        assertThat(w.freq()).isEqualTo(2.0);
        assertThat(w.active()).isEqualTo(2);
        assertThat(w.processed()).isEqualTo(4);
        assertThat(w.pid()).isEqualTo(8924);
        assertThat(w.swVersion()).isEqualTo("5.2.6");
        assertThat(w.swIdent()).isEqualTo("py-celery");
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
        assertThat(registry.runningTasks("celery@nobody")).isEmpty();
    }

    @Test
    void workerOfflineEndsLifeAtOnceAndDropsItsTasks() {
        registry.onEvent(heartbeat("worker-online", 0));
        registry.onEvent(task("task-received", "t-1", 0.1));
        registry.onEvent(task("task-started", "t-1", 0.2));
        registry.onEvent(task("task-received", "t-2", 0.3));
        assertThat(registry.runningTasks(NODE)).containsExactly("t-1");
        clock.advance(Duration.ofMillis(500));
        registry.onEvent(heartbeat("worker-offline", 0.5));
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse(); // well inside the heartbeat window
        CeleryWorkerState w = registry.worker(NODE).orElseThrow();
        assertThat(w.online()).isFalse();
        assertThat(w.offlineAt()).isEqualTo(clock.instant());
        assertThat(w.runningTasks()).isEmpty();
        assertThat(registry.unfinishedTaskCount()).isZero();
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
    void taskMultiArrayTracksRunningTasksAndCounters() {
        registry.onEvent(heartbeat("worker-online", 0));
        feed("[{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":97,\"uuid\":\"a\","
                + "\"name\":\"tasks.sleep\",\"args\":\"(40,)\",\"kwargs\":\"{}\",\"root_id\":\"a\",\"parent_id\":null,"
                + "\"retries\":0,\"eta\":null,\"expires\":null,\"timestamp\":1795462365.0,\"type\":\"task-received\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":98,\"uuid\":\"a\","
                + "\"timestamp\":1795462365.1,\"type\":\"task-started\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":99,\"uuid\":\"b\","
                + "\"timestamp\":1795462365.2,\"type\":\"task-started\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":100,\"uuid\":\"c\","
                + "\"timestamp\":1795462365.3,\"type\":\"task-started\"}]");
        assertThat(registry.runningTasks(NODE)).containsExactlyInAnyOrder("a", "b", "c");
        CeleryTaskState a = registry.task("a").orElseThrow();
        assertThat(a.name()).isEqualTo("tasks.sleep");
        assertThat(a.state()).isEqualTo(State.STARTED);
        assertThat(a.receivedAt()).isEqualTo(Instant.ofEpochSecond(1795462365L));
        assertThat(a.startedAt()).isEqualTo(Instant.ofEpochSecond(1795462365L, 100_000_000));

        feed("[{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":101,\"uuid\":\"a\","
                + "\"result\":\"40\",\"runtime\":40.01,\"timestamp\":1795462405.1,\"type\":\"task-succeeded\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":102,\"uuid\":\"b\","
                + "\"exception\":\"ValueError()\",\"traceback\":\"...\",\"timestamp\":1795462405.2,"
                + "\"type\":\"task-failed\"},"
                + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":103,\"uuid\":\"c\","
                + "\"terminated\":true,\"signum\":15,\"expired\":false,\"timestamp\":1795462405.3,"
                + "\"type\":\"task-revoked\"}]");
        CeleryWorkerState w = registry.worker(NODE).orElseThrow();
        assertThat(w.runningTasks()).isEmpty();
        assertThat(w.tasksSucceeded()).isEqualTo(1);
        assertThat(w.tasksFailed()).isEqualTo(1);
        assertThat(w.tasksCompleted()).isEqualTo(2);
        assertThat(registry.task("a").orElseThrow().runtimeSeconds()).isEqualTo(40.01);
        assertThat(registry.task("c").orElseThrow().state()).isEqualTo(State.REVOKED);
        assertThat(registry.unfinishedTaskCount()).isZero();
    }

    @Test
    void rejectedAndRetriedLeaveTheRunningSet() {
        registry.onEvent(heartbeat("worker-online", 0));
        registry.onEvent(task("task-started", "r", 1));
        registry.onEvent(task("task-rejected", "r", 2));
        registry.onEvent(task("task-started", "q", 1));
        registry.onEvent(task("task-retried", "q", 2));
        assertThat(registry.runningTasks(NODE)).isEmpty();
        // The retry runs again later under the same uuid: a new attempt counts.
        registry.onEvent(task("task-received", "q", 5));
        registry.onEvent(task("task-started", "q", 6));
        assertThat(registry.runningTasks(NODE)).containsExactly("q");
    }

    @Test
    void outOfOrderTaskEventsNeverResurrectAFinishedTask() {
        registry.onEvent(heartbeat("worker-online", 0));
        registry.onEvent(task("task-succeeded", "x", 2));
        registry.onEvent(task("task-started", "x", 1)); // arrived late
        registry.onEvent(task("task-received", "x", 0.5));
        assertThat(registry.runningTasks(NODE)).isEmpty();
        CeleryTaskState x = registry.task("x").orElseThrow();
        assertThat(x.state()).isEqualTo(State.SUCCEEDED);
        assertThat(x.startedAt()).isNotNull(); // its facts are still kept
        assertThat(registry.worker(NODE).orElseThrow().tasksSucceeded()).isEqualTo(1);
        // A duplicate final event is not counted twice.
        registry.onEvent(task("task-succeeded", "x", 2));
        assertThat(registry.worker(NODE).orElseThrow().tasksSucceeded()).isEqualTo(1);
        // Started after retried, but sent before it: stale.
        registry.onEvent(task("task-retried", "y", 3));
        registry.onEvent(task("task-started", "y", 2));
        assertThat(registry.runningTasks(NODE)).isEmpty();
        // received after started (same worker) does not take the task back to "not running".
        registry.onEvent(task("task-started", "z", 4));
        registry.onEvent(task("task-received", "z", 3.9));
        assertThat(registry.runningTasks(NODE)).containsExactly("z");
    }

    @Test
    void redeliveredTaskMovesToTheWorkerThatRunsItNow() {
        registry.onEvent(heartbeat("worker-online", 0));
        registry.onEvent(task("task-started", "m", 1));
        ObjectNode other = task("task-started", "m", 30);
        other.put("hostname", "celery@worker-3");
        registry.onEvent(other);
        assertThat(registry.runningTasks(NODE)).isEmpty();
        assertThat(registry.runningTasks("celery@worker-3")).containsExactly("m");
        // Known only from a task event, worker-3 is not alive until it sends a heartbeat.
        assertThat(registry.isAlive("celery@worker-3", clock.instant())).isFalse();
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
    void workerEventWithoutTimestampIsNotAHeartbeat() {
        ObjectNode e = heartbeat("worker-heartbeat", 0);
        e.remove("timestamp");
        registry.onEvent(e);
        assertThat(registry.isAlive(NODE, clock.instant())).isFalse();
        assertThat(registry.worker(NODE).orElseThrow().freq()).isEqualTo(2.0);
    }

    @Test
    void forgetsWorkersGoneForLongAndFinishedTasks() {
        CeleryWorkerRegistry small = new CeleryWorkerRegistry(clock, Duration.ofMinutes(10), Duration.ofMinutes(1),
                1000);
        small.onEvent(heartbeat("worker-online", 0));
        ObjectNode other = heartbeat("worker-online", 0);
        other.put("hostname", "celery@offline-one");
        small.onEvent(other);
        ObjectNode otherOff = heartbeat("worker-offline", 1);
        otherOff.put("hostname", "celery@offline-one");
        small.onEvent(otherOff);
        small.onEvent(task("task-started", "done", 1));
        small.onEvent(task("task-succeeded", "done", 2));
        small.onEvent(task("task-started", "stuck", 3)); // still running when the worker vanishes
        assertThat(small.workerCount()).isEqualTo(2);
        assertThat(small.finishedTaskCount()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(61));
        small.prune();
        assertThat(small.finishedTaskCount()).isZero();
        assertThat(small.task("done")).isEmpty();
        assertThat(small.workerCount()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(10)); // NODE expired 10 min 57 s ago, the other went offline 11 min ago
        small.prune();
        assertThat(small.workerCount()).isZero();
        assertThat(small.unfinishedTaskCount()).isZero();
        assertThat(small.task("stuck")).isEmpty();
    }

    @Test
    void keepsAWorkerExpiredForLessThanTheRetention() {
        registry.onEvent(heartbeat("worker-heartbeat", 0));
        clock.advance(Duration.ofMinutes(9));
        registry.prune();
        assertThat(registry.worker(NODE)).isPresent().get().extracting(CeleryWorkerState::alive).isEqualTo(false);
    }

    @Test
    void taskMapsAreCapped() {
        CeleryWorkerRegistry small = new CeleryWorkerRegistry(clock, Duration.ofMinutes(10), Duration.ofMinutes(1), 100);
        small.onEvent(heartbeat("worker-online", 0));
        for (int i = 0; i < 250; i++) {
            small.onEvent(task("task-started", "run-" + i, 1 + i * 0.001));
        }
        assertThat(small.unfinishedTaskCount()).isEqualTo(100);
        // The oldest went first, and the running set stays consistent with the task map.
        assertThat(small.runningTasks(NODE)).hasSize(100).contains("run-249").doesNotContain("run-0", "run-149");
        for (int i = 150; i < 250; i++) {
            small.onEvent(task("task-succeeded", "run-" + i, 2));
        }
        for (int i = 0; i < 150; i++) {
            small.onEvent(task("task-succeeded", "late-" + i, 2));
        }
        assertThat(small.finishedTaskCount()).isEqualTo(100);
        assertThat(small.runningTasks(NODE)).isEmpty();
        assertThat(small.workers()).extracting(CeleryWorkerState::tasksSucceeded).containsExactly(250L);
    }

    @Test
    void concurrentReadersSeeConsistentState() throws Exception {
        registry.onEvent(heartbeat("worker-online", 0));
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 5_000; i++) {
                registry.onEvent(task("task-started", "c" + i, i));
                registry.onEvent(task("task-succeeded", "c" + i, i + 0.5));
            }
        });
        writer.start();
        while (writer.isAlive()) {
            List<CeleryWorkerState> all = registry.workers();
            assertThat(all).hasSize(1);
            assertThat(all.get(0).runningTasks().size()).isLessThanOrEqualTo(1);
        }
        writer.join();
        assertThat(registry.worker(NODE).orElseThrow().tasksSucceeded()).isEqualTo(5_000);
    }
}
