package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
            Duration.ofMillis(200), STALE_AFTER);

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
        assertThat(result.get("a")).isEqualTo(new QueueWorkers(3, 1, -1, 2, 2, 1.0, 0, false));
        assertThat(result.get("b")).isEqualTo(new QueueWorkers(1, 1, -1, 1, 1, 1.0, 0, false));
        // a queue no worker consumes and no task came from: present, with zeros
        assertThat(result.get("c")).isEqualTo(new QueueWorkers(0, 0, -1, 0, 0, 0.0, 0, false));
    }

    @Test
    void withPrefetchTrackingCountsReservedAndScheduledTasksAndAsksForThemBeforeActive() {
        CeleryWorkerTracker rabbit = new CeleryWorkerTracker(control, events, registry, Duration.ofMillis(200),
                STALE_AFTER, true);
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a", "b"))
                .running("t1", "a", true).reserved("t2", "a").reserved("t3", "b").scheduled("t4", "a");
        heartbeat("w@test");

        Map<String, QueueWorkers> result = rabbit.refresh(counts(1, "a", "b"), clock.instant());

        assertThat(result.get("a")).isEqualTo(new QueueWorkers(1, 1, 2, 1, 1, 0.5, 0, true));
        assertThat(result.get("b")).isEqualTo(new QueueWorkers(0, 0, 1, 1, 1, 0.5, 0, true));
        // a consumer nobody accounts for: the broker's unacked count is not to be replaced by less
        assertThat(rabbit.refresh(counts(2, "a", "b"), clock.instant()).get("a").accountsForEveryConsumer())
                .isFalse();
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

    /** The broker's counts of one poll, each queue with {@code consumers} consumers (RabbitMQ). */
    private static SourceSnapshot counts(long consumers, String... queues) {
        List<QueueSample> samples = new ArrayList<>();
        for (String q : queues) {
            samples.add(QueueSample.builder("src", q).value(QueueMetric.CONSUMERS, consumers).build());
        }
        return new SourceSnapshot("src", Instant.EPOCH, samples);
    }

    @Test
    void withNoConsumerAndNoWorkerHeardOfNothingIsBroadcastElseEveryPollAsks() {
        // Redis (no consumer counts): always ask; PUBLISH tells at once that nobody listens
        assertThat(refresh("a").get("a")).isEqualTo(new QueueWorkers(0, 0, -1, 0, 0, 0.0, 0, false));
        int asked = workers.methods.size();
        assertThat(asked).isPositive();

        // RabbitMQ says the queue has no consumer and no worker heartbeats: nobody to ask
        assertThat(tracker.refresh(counts(0, "a"), clock.instant()).get("a"))
                .isEqualTo(new QueueWorkers(0, 0, -1, 0, 0, 0.0, 0));
        assertThat(workers.methods).hasSize(asked);

        // a consumer appears: a worker without heartbeats, found by asking
        workers.add(new ScriptedWorkers.Worker("quiet@test", 1, "a")).running("t1", "a", true);
        assertThat(tracker.refresh(counts(1, "a"), clock.instant()).get("a").running()).isEqualTo(1);
    }

    @Test
    void aWorkerWithoutHeartbeatsCountsWhileItAnswersAndForStaleAfterBeyondItsLastAnswer() {
        ScriptedWorkers.Worker w = workers.add(new ScriptedWorkers.Worker("quiet@test", 4, "a"))
                .running("t1", "a", true).running("t2", "a", true);

        assertThat(refresh("a").get("a")).isEqualTo(new QueueWorkers(2, 2, -1, 1, 1, 0.5, 0, false));
        assertThat(tracker.probe("quiet@test", clock.instant()).ready()).isTrue();

        w.silent = true; // no answer: its last one serves for staleAfter, then it is taken for gone
        clock.advance(Duration.ofSeconds(3));
        assertThat(refresh("a").get("a").running()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(3));
        assertThat(refresh("a").get("a").running()).isZero();
        assertThat(tracker.probe("quiet@test", clock.instant()).reason()).contains("sends no heartbeats");
    }

    @Test
    void aHeartbeatingWorkerThatNeverAnsweredIsLeftOutWhenEveryConsumerOfTheQueuesAnswered() {
        workers.add(new ScriptedWorkers.Worker("ours@test", 2, "a")).running("t1", "a", true);
        workers.add(new ScriptedWorkers.Worker("other@test", 1, "elsewhere")).silent = true;
        heartbeat("ours@test");
        for (int i = 0; i < 3; i++) {
            heartbeat("other@test"); // past starting up
        }

        // RabbitMQ: a has 1 consumer and ours@test, which answered, consumes it
        assertThat(tracker.refresh(counts(1, "a"), clock.instant()).get("a").running()).isEqualTo(1);

        // 2 consumers, 1 accounted for: the silent worker may be the other one
        assertThatThrownBy(() -> tracker.refresh(counts(2, "a"), clock.instant()))
                .isInstanceOf(CeleryControlException.class).hasMessageContaining("other@test")
                .hasMessageContaining("a has 2 consumers, 1 of them workers that answered");
    }

    @Test
    void aHeartbeatingWorkerThatListensToNoBroadcastIsLeftOutWhenEveryReceiverAnswered() {
        workers.countsReceivers = true; // Redis
        workers.add(new ScriptedWorkers.Worker("ours@test", 2, "a")).running("t1", "a", true);
        ScriptedWorkers.Worker other = workers.add(new ScriptedWorkers.Worker("other@test", 1, "elsewhere"));
        other.listens = false; // worker_enable_remote_control = False
        heartbeat("ours@test");
        for (int i = 0; i < 3; i++) {
            heartbeat("other@test");
        }
        assertThat(refresh("a").get("a").running()).isEqualTo(1);

        // subscribed but hung: it got the broadcast and did not answer, so its tasks are unknown
        other.listens = true;
        other.silent = true;
        assertThatThrownBy(() -> refresh("a")).isInstanceOf(CeleryControlException.class)
                .hasMessageContaining("other@test");
    }

    @Test
    void aHeartbeatingWorkerWhoseLastAnswerNamedNoQueueOfTheSourceNeedNotAnswer() {
        ScriptedWorkers.Worker other = workers.add(new ScriptedWorkers.Worker("other@test", 1, "elsewhere"));
        heartbeat("other@test");
        refresh("a");
        other.silent = true;
        clock.advance(Duration.ofSeconds(6)); // beyond staleAfter
        heartbeat("other@test");
        assertThat(refresh("a").get("a").running()).isZero();
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

    // ------------------------------------------------------------------ tasks started, from 'processed'

    private void heartbeat(String nodename, long pid, long processed) {
        registry.onEvent(JSON.createObjectNode().put("type", "worker-heartbeat").put("hostname", nodename)
                .put("freq", 2.0).put("pid", pid).put("processed", processed)
                .put("timestamp", clock.instant().toEpochMilli() / 1000.0));
    }

    /** One poll a second later, with each worker's heartbeat counter as given (pid 100). */
    private Map<String, QueueWorkers> pollWith(Map<String, Long> processed, String... queues) {
        clock.advance(Duration.ofSeconds(1));
        processed.forEach((worker, count) -> heartbeat(worker, 100, count));
        return refresh(queues);
    }

    @Test
    void aWorkerConsumingOneQueueGivesItAllTheTasksItStartedExactly() {
        workers.add(new ScriptedWorkers.Worker("wa@test", 2, "a"));
        workers.add(new ScriptedWorkers.Worker("wb@test", 2, "b"));

        // first sight: the counts so far happened before tracking began and are only the base
        Map<String, QueueWorkers> first = pollWith(Map.of("wa@test", 40L, "wb@test", 7L), "a", "b", "c");
        assertThat(first.get("a").started()).isZero();
        assertThat(first.get("b").started()).isZero();

        pollWith(Map.of("wa@test", 45L, "wb@test", 7L), "a", "b", "c");
        Map<String, QueueWorkers> third = pollWith(Map.of("wa@test", 46L, "wb@test", 10L), "a", "b", "c");

        assertThat(third.get("a").started()).isEqualTo(6.0);
        assertThat(third.get("b").started()).isEqualTo(3.0);
        assertThat(third.get("c").started()).as("consumed by nobody").isZero();
        assertThat(third.get("a").countsStarts()).isTrue();
    }

    @Test
    void aWorkerConsumingSeveralQueuesSplitsByTheTasksSeenInItsActiveListsElseEvenly() {
        ScriptedWorkers.Worker multi = workers.add(new ScriptedWorkers.Worker("multi@test", 4, "a", "b"));
        workers.add(new ScriptedWorkers.Worker("even@test", 2, "c", "d"));
        pollWith(Map.of("multi@test", 0L, "even@test", 0L), "a", "b", "c", "d");

        // seen over the last minute: three tasks of a, one of b (t1 seen twice counts once)
        multi.running("t1", "a", true).running("t2", "a", true);
        pollWith(Map.of("multi@test", 0L, "even@test", 0L), "a", "b", "c", "d");
        multi.active.clear();
        multi.running("t1", "a", true).running("t3", "a", true).running("t4", "b", true);
        Map<String, QueueWorkers> split = pollWith(Map.of("multi@test", 8L, "even@test", 4L), "a", "b", "c", "d");

        assertThat(split.get("a").started()).isCloseTo(6.0, within(1e-9));
        assertThat(split.get("b").started()).isCloseTo(2.0, within(1e-9));
        // no task of c or d was ever seen: an even split
        assertThat(split.get("c").started()).isCloseTo(2.0, within(1e-9));
        assertThat(split.get("d").started()).isCloseTo(2.0, within(1e-9));

        // tasks seen more than a minute ago no longer weigh
        multi.active.clear();
        clock.advance(Duration.ofSeconds(30));
        pollWith(Map.of("multi@test", 8L, "even@test", 4L), "a", "b", "c", "d");
        clock.advance(Duration.ofSeconds(30));
        Map<String, QueueWorkers> later = pollWith(Map.of("multi@test", 12L, "even@test", 4L), "a", "b", "c", "d");
        assertThat(later.get("a").started()).isCloseTo(8.0, within(1e-9));
        assertThat(later.get("b").started()).isCloseTo(4.0, within(1e-9));
    }

    @Test
    void aRestartedWorkerCountsFromZeroAgain() {
        workers.add(new ScriptedWorkers.Worker("w@test", 2, "a"));
        pollWith(Map.of("w@test", 10L), "a");
        assertThat(pollWith(Map.of("w@test", 14L), "a").get("a").started()).isEqualTo(4.0);

        // a new process (new pid): its 3 tasks all started since the previous poll
        clock.advance(Duration.ofSeconds(1));
        heartbeat("w@test", 200, 3);
        assertThat(refresh("a").get("a").started()).isEqualTo(7.0);

        // same pid, smaller count (a restarted container, pid 1 again): the new count is all new
        clock.advance(Duration.ofSeconds(1));
        heartbeat("w@test", 200, 1);
        assertThat(refresh("a").get("a").started()).isEqualTo(8.0);

        clock.advance(Duration.ofSeconds(1));
        heartbeat("w@test", 200, 5);
        assertThat(refresh("a").get("a").started()).isEqualTo(12.0);
    }

    @Test
    void aWorkerWithoutKnownQueuesKeepsItsCountUntilTheyAreKnown() {
        ScriptedWorkers.Worker w = workers.add(new ScriptedWorkers.Worker("w@test", 2, "a"));
        pollWith(Map.of("w@test", 0L), "a");
        assertThat(pollWith(Map.of("w@test", 2L), "a").get("a").started()).isEqualTo(2.0);
        // silent for a poll (its last answer is still fresh): the count is attributed with the known queues
        w.silent = true;
        assertThat(pollWith(Map.of("w@test", 5L), "a").get("a").started()).isEqualTo(5.0);
    }
}
