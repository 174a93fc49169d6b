package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * CeleryWorkerTracker over simulated workers (a scripted pidbox transport) and a registry fed with
 * synthetic events: attribution, ack modes, silent workers, drained workers, utilization.
 */
class CeleryWorkerTrackerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STALE_AFTER = Duration.ofSeconds(5);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final CeleryWorkerRegistry registry = new CeleryWorkerRegistry(clock);
    private final ScriptedWorkers workers = new ScriptedWorkers();
    private final FakeEvents events = new FakeEvents();
    private final CeleryControl control = new CeleryControl(workers);
    private final CeleryWorkerTracker tracker = new CeleryWorkerTracker(control, events, registry,
            Duration.ofMillis(200), STALE_AFTER, clock);

    /** An event stream that is connected unless told otherwise; events come from the test. */
    static final class FakeEvents implements CeleryEventStream {
        volatile boolean connected = true;

        @Override
        public void start() {
        }

        @Override
        public boolean connected() {
            return connected;
        }

        @Override
        public Optional<String> lastError() {
            return connected ? Optional.empty() : Optional.of("Connection refused");
        }

        @Override
        public long connectCount() {
            return 1;
        }

        @Override
        public long eventsReceived() {
            return 0;
        }

        @Override
        public Optional<Instant> lastEventAt() {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    private void heartbeat(String nodename) {
        event("worker-heartbeat", nodename);
    }

    private void event(String type, String nodename) {
        ObjectNode e = JSON.createObjectNode().put("type", type).put("hostname", nodename).put("freq", 2.0)
                .put("pid", 100).put("timestamp", clock.instant().toEpochMilli() / 1000.0);
        registry.onEvent(e);
    }

    private Map<String, QueueWorkers> refresh(String... queues) {
        return tracker.refresh(List.of(queues), clock.instant());
    }

    @Test
    void attributesRunningTasksByRoutingKeyAndAddsOnlyAcknowledgedOnesToOutstanding() {
        // early ack worker on a and b; acks_late worker on a
        workers.add(new ScriptedWorkers.Worker("early@test", 2, "a", "b"))
                .running("t1", "a", true).running("t2", "b", true);
        workers.add(new ScriptedWorkers.Worker("late@test", 2, "a"))
                .running("t3", "a", false).running("t4", "a", false);
        heartbeat("early@test");
        heartbeat("late@test");

        Map<String, QueueWorkers> result = refresh("a", "b", "c");

        // a: t1 (acked: in no broker count) + t3, t4 (unacked: already in the broker's unacked count)
        assertThat(result.get("a")).isEqualTo(new QueueWorkers(3, 1, -1, 2, 2, 1.0, 0));
        assertThat(result.get("b")).isEqualTo(new QueueWorkers(1, 1, -1, 1, 1, 1.0, 0));
        // a queue no worker consumes and no task came from: present, with zeros
        assertThat(result.get("c")).isEqualTo(new QueueWorkers(0, 0, -1, 0, 0, 0.0, 0));
    }

    @Test
    void withPrefetchTrackingCountsReservedAndScheduledTasksAndAsksForThemBeforeActive() {
        CeleryWorkerTracker rabbit = new CeleryWorkerTracker(control, events, registry, Duration.ofMillis(200),
                STALE_AFTER, clock, true);
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a", "b"))
                .running("t1", "a", true).reserved("t2", "a").reserved("t3", "b").scheduled("t4", "a");
        heartbeat("w@test");

        Map<String, QueueWorkers> result = rabbit.refresh(List.of("a", "b"), clock.instant());

        assertThat(result.get("a")).isEqualTo(new QueueWorkers(1, 1, 2, 1, 1, 0.5, 0));
        assertThat(result.get("b")).isEqualTo(new QueueWorkers(0, 0, 1, 1, 1, 0.5, 0));
        // Tasks flow ready -> prefetched -> active: reading in that order double counts a task that
        // moves between reads instead of missing it.
        assertThat(workers.methods).containsSubsequence("reserved", "scheduled", "active");
    }

    @Test
    void aTaskWithAnotherRoutingKeyIsNotCountedForTheQueueItsWorkerConsumes() {
        workers.add(new ScriptedWorkers.Worker("w@test", 4, "a")).running("t1", "elsewhere", true);
        heartbeat("w@test");

        Map<String, QueueWorkers> result = refresh("a", "elsewhere");

        assertThat(result.get("a").running()).isZero();
        assertThat(result.get("a").busy()).isEqualTo(1); // the worker is busy, with another queue's task
        assertThat(result.get("elsewhere").running()).isEqualTo(1);
        assertThat(result.get("elsewhere").total()).isZero(); // nobody consumes it any more
    }

    @Test
    void aHeartbeatingWorkerThatDoesNotAnswerFailsThePollUnlessItsLastAnswerIsFresh() {
        ScriptedWorkers.Worker w = workers.add(new ScriptedWorkers.Worker("w@test", 2, "a"))
                .running("t1", "a", true);
        heartbeat("w@test");
        refresh("a"); // answered: cached at t0

        w.silent = true;
        clock.advance(Duration.ofSeconds(2));
        heartbeat("w@test");
        // its answer of 2 s ago is younger than staleAfter: the poll uses it
        assertThat(refresh("a").get("a").running()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(4));
        heartbeat("w@test");
        // 6 s > staleAfter: its running tasks are unknown, and the poll must not pretend they ended
        assertThatThrownBy(() -> refresh("a")).isInstanceOf(CeleryControlException.class)
                .hasMessageContaining("w@test").hasMessageContaining("did not answer 'active'");
    }

    @Test
    void aWorkerThatHeartbeatsButNeverAnsweredFailsThePollOnceItIsPastStartingUp() {
        workers.add(new ScriptedWorkers.Worker("mute@test", 2, "a")).silent = true;
        event("worker-online", "mute@test");
        heartbeat("mute@test");
        // online + first heartbeat: its pidbox may not be served yet, and it has run nothing yet
        assertThat(refresh("a").get("a").running()).isZero();

        clock.advance(Duration.ofSeconds(2));
        heartbeat("mute@test");
        assertThatThrownBy(() -> refresh("a")).isInstanceOf(CeleryControlException.class)
                .hasMessageContaining("mute@test");
    }

    @Test
    void withoutTheEventStreamThePollFails() {
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a"));
        heartbeat("w@test");
        events.connected = false;

        assertThatThrownBy(() -> refresh("a")).isInstanceOf(CeleryControlException.class)
                .hasMessageContaining("event stream not connected").hasMessageContaining("Connection refused");
    }

    @Test
    void cancelConsumerDrainsTheWorkerAndAddConsumerBringsItBack() {
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a", "b")).running("t1", "a", true);
        heartbeat("w@test");
        refresh("a", "b");
        assertThat(tracker.probe("w@test", clock.instant()))
                .isEqualTo(ProbeResult.ready("worker w@test alive, consuming a, b"));

        assertThat(control.cancelConsumer("a", List.of("w@test"), Duration.ofMillis(200)))
                .containsEntry("w@test", new ControlResult(true, "no longer consuming from a"));
        Map<String, QueueWorkers> drained = refresh("a", "b");

        ProbeResult probe = tracker.probe("w@test", clock.instant());
        assertThat(probe.httpStatus()).isEqualTo(503);
        assertThat(probe.reason()).contains("no longer consumes a").contains("cancel_consumer");
        // the task it took from a before the cancel still runs and still counts for a
        assertThat(drained.get("a").running()).isEqualTo(1);
        assertThat(drained.get("a").unseenByBroker()).isEqualTo(1);
        assertThat(drained.get("a").total()).isZero();
        assertThat(drained.get("b").total()).isEqualTo(1);

        control.addConsumer("a", List.of("w@test"), Duration.ofMillis(200));
        refresh("a", "b");
        assertThat(tracker.probe("w@test", clock.instant()).httpStatus()).isEqualTo(200);
    }

    @Test
    void aWorkerThatConsumesNothingIsNotReady() {
        workers.add(new ScriptedWorkers.Worker("w@test", 2));
        heartbeat("w@test");
        refresh("a");

        assertThat(tracker.probe("w@test", clock.instant()))
                .isEqualTo(ProbeResult.notReady("worker w@test consumes no queue (drained)"));
    }

    @Test
    void probeTurnsNotReadyTwoHeartbeatPeriodsAfterTheLastHeartbeatAndAtOnceOnOffline() {
        workers.add(new ScriptedWorkers.Worker("w1@test", 1, "a"));
        workers.add(new ScriptedWorkers.Worker("w2@test", 1, "a"));
        heartbeat("w1@test");
        heartbeat("w2@test");
        refresh("a");
        Instant lastBeat = clock.instant();

        clock.set(lastBeat.plusMillis(3999));
        assertThat(tracker.probe("w1@test", clock.instant()).ready()).isTrue();
        clock.set(lastBeat.plusMillis(4000)); // freq 2 s: alive while now < last + 2 * freq
        ProbeResult silent = tracker.probe("w1@test", clock.instant());
        assertThat(silent.ready()).isFalse();
        assertThat(silent.reason()).contains("w1@test is silent: last heartbeat 4s ago");

        event("worker-offline", "w2@test");
        assertThat(tracker.probe("w2@test", clock.instant()).reason()).contains("went offline");
        assertThat(tracker.probe("nobody@test", clock.instant()))
                .isEqualTo(ProbeResult.notReady("unknown worker nobody@test: no heartbeat seen"));
    }

    @Test
    void probeIsNotReadyWhenTheLastRefreshIsStale() {
        workers.add(new ScriptedWorkers.Worker("w@test", 1, "a"));
        heartbeat("w@test");
        refresh("a");

        clock.advance(Duration.ofSeconds(6));
        heartbeat("w@test");
        ProbeResult probe = tracker.probe("w@test", clock.instant());
        assertThat(probe.ready()).isFalse();
        assertThat(probe.reason()).contains("no fresh answer");
    }

    @Test
    void utilizationIsBusySlotsOverAllSlotsInTheLastMinute() {
        ScriptedWorkers.Worker w = workers.add(new ScriptedWorkers.Worker("w@test", 4, "a"))
                .running("t1", "a", true);
        heartbeat("w@test");
        Instant t0 = clock.instant();

        assertThat(refresh("a").get("a").utilization()).isCloseTo(0.25, within(1e-9)); // 1 of 4

        clock.set(t0.plusSeconds(1));
        w.running("t2", "a", true).running("t3", "a", true);
        heartbeat("w@test");
        assertThat(refresh("a").get("a").utilization()).isCloseTo(4.0 / 8, within(1e-9)); // (1+3)/(4+4)

        clock.set(t0.plusSeconds(61)); // the t0 sample left the window: only (3 + 3) of (4 + 4)
        heartbeat("w@test");
        assertThat(refresh("a").get("a").utilization()).isCloseTo(6.0 / 8, within(1e-9));

        // more tasks than slots (a stats reply that was lost, say) never gives more than 100 %
        assertThat(tracker.workers(clock.instant()))
                .containsExactly(new WorkerSummary("w@test", true, 3, 4));
    }

    @Test
    void perWorkerSummariesShowSilentWorkersAsDown() {
        workers.add(new ScriptedWorkers.Worker("w1@test", 2, "a")).running("t1", "a", true);
        workers.add(new ScriptedWorkers.Worker("w2@test", 3, "a"));
        heartbeat("w1@test");
        heartbeat("w2@test");
        refresh("a");

        clock.advance(Duration.ofSeconds(3));
        heartbeat("w2@test");
        clock.advance(Duration.ofSeconds(2)); // w1: 5 s since its last heartbeat (> 2 * 2 s)

        assertThat(tracker.workers(clock.instant())).containsExactly(
                new WorkerSummary("w1@test", false, 1, 2),
                new WorkerSummary("w2@test", true, 0, 3));
    }

    @Test
    void statsAreAskedOnlyOnceForAKnownWorker() {
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a"));
        heartbeat("w@test");
        refresh("a");
        clock.advance(Duration.ofSeconds(1));
        heartbeat("w@test");
        refresh("a");

        assertThat(workers.methods).containsExactly("active", "active_queues", "stats", "active", "active_queues");
    }
}
