package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The decision, with Kubernetes and the workers faked: victims, drains, undo, dry run, drainTimeout. */
class StatefulSetReviewerTest {

    static final Instant NOW = Instant.parse("2026-12-01T22:00:00Z");
    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final Duration TIMEOUT = Duration.ofMinutes(10);

    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-0", "q").worker("celery@wk-1", "q")
            .worker("celery@wk-2", "q", "r");
    final DrainMarks marks = new DrainMarks(Duration.ofSeconds(45));
    final StatefulSetReviewer reviewer = new StatefulSetReviewer(cluster, TIMEOUT, marks, Runnable::run,
            new ScaleDownMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC),
            TestChecks.eachReview(Runnable::run, Clock.fixed(NOW, ZoneOffset.UTC)));

    Decision review(int from, int to, boolean dryRun) {
        return review(reviewer, from, to, dryRun);
    }

    Decision review(StatefulSetReviewer by, int from, int to, boolean dryRun) {
        return by.review(new ScaleRequest("uid", WorkloadKind.STATEFUL_SET, "workers", "wk", Optional.of(from),
                to, dryRun), WK, workers);
    }

    @Test
    void aBusyVictimIsDrainedAndTheScaleDownDenied() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");

        Decision d = review(3, 2, false);

        assertThat(d.allowed()).isFalse();
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 3 -> 2: denied while wk-2 (celery@wk-2) runs "
                + "tasks.sleep[t-1]; draining since 2026-12-01T22:00:00Z, no new tasks are taken. Allowed once idle, "
                + "or when drainTimeout 10m has passed (in 10m)");
        // the annotation first, so whoever continues knows which queues to give back
        assertThat(cluster.writes).containsExactly("mark wk-2 [q, r]", "Normal ScaleDownDraining StatefulSet "
                + "workers/wk: pod wk-2 (worker celery@wk-2) takes no new tasks from q, r; the scale-down waits until "
                + "it is idle");
        assertThat(workers.commands).containsExactly("cancel_consumer celery@wk-2 [q, r]", "loads [celery@wk-2]");
        assertThat(marks.drainingPod("workers", "wk-2", NOW)).get().asString().startsWith("draining: worker celery@wk-2");
        assertThat(marks.drainingPod("workers", "wk-1", NOW)).isEmpty();
    }

    @Test
    void askedAgainItKeepsTheFirstDrainTimeAndAllowsOnceIdle() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        cluster.marked("wk-2", new DrainMark(NOW.minusSeconds(30), List.of("q", "r")));
        workers.queues.get("celery@wk-2").clear();

        assertThat(review(3, 2, false).message()).contains("draining since 2026-12-01T21:59:30Z", "(in 9m30s)");
        // the same drain, asked for again now (for the undo loop); no cancel: it consumes nothing
        assertThat(cluster.pods.get("wk-2").drain()).contains(new DrainMark(NOW.minusSeconds(30), List.of("q", "r"),
                NOW));
        assertThat(workers.commands).containsExactly("loads [celery@wk-2]");

        workers.finishes("celery@wk-2");
        Decision d = review(3, 2, false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 3 -> 2: allowed, wk-2 holds no tasks");
    }

    /** A reviewer whose checks run on {@code slow}: 30 ms for its own check, 300 ms when no earlier one serves. */
    StatefulSetReviewer reviewerOn(WorkerChecksTest.SlowWorkers slow) {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        return new StatefulSetReviewer(cluster, TIMEOUT, marks, slow, new ScaleDownMetrics(new SimpleMeterRegistry()),
                clock, TestChecks.eachReview(Duration.ofMillis(30), Duration.ofMillis(300), slow, clock));
    }

    @Test
    void whileTheWorkersAreSlowAReviewAnswersFromTheLastCheckOfTheSameDrain() {
        WorkerChecksTest.SlowWorkers slow = new WorkerChecksTest.SlowWorkers();
        StatefulSetReviewer slowReviewer = reviewerOn(slow);
        workers.incarnations.put("celery@wk-2", "4242");
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        assertThat(review(slowReviewer, 3, 2, false).message()).contains("runs tasks.sleep[t-1]");
        workers.finishes("celery@wk-2");
        slow.awaitIdle();

        slow.close(); // the workers answer late from now on
        long started = System.nanoTime();
        Decision second = review(slowReviewer, 3, 2, false);
        // the earlier check would deny, so the review waited for its own (300 ms) before using it
        assertThat(second.allowed()).isFalse();
        assertThat(second.message()).contains("runs tasks.sleep[t-1]");
        assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                .isGreaterThanOrEqualTo(300);

        slow.open(); // the second review's check ends: idle
        slow.awaitIdle();
        slow.close();
        started = System.nanoTime();
        // idle after its drain: allowed at once from that check, without waiting for the slow workers
        assertThat(review(slowReviewer, 3, 2, false).allowed()).isTrue();
        assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(300);
        slow.open();
    }

    @Test
    void anEarlierCheckNoLongerServesOnceItsDrainWasUndoneOrTheWorkerRestarted() {
        WorkerChecksTest.SlowWorkers slow = new WorkerChecksTest.SlowWorkers();
        StatefulSetReviewer slowReviewer = reviewerOn(slow);
        workers.incarnations.put("celery@wk-2", "4242");
        assertThat(review(slowReviewer, 3, 2, false).allowed()).isTrue(); // idle after the drain
        slow.awaitIdle();

        // another replica undid the drain (a scale-up): the worker consumes again
        cluster.clearDraining("workers", "wk-2");
        slow.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> review(slowReviewer, 3, 2, false))
                .hasMessage("the workers did not answer within 300 ms"); // the service then fails open
        slow.open();
        slow.awaitIdle(); // that check drained it again
        assertThat(cluster.pods.get("wk-2").drain()).isPresent();

        // the worker restarted (a new process consumes its queues again)
        workers.incarnations.put("celery@wk-2", "4343");
        slow.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> review(slowReviewer, 3, 2, false))
                .hasMessage("the workers did not answer within 300 ms");
        slow.open();
        slow.awaitIdle();
        slow.close();
        assertThat(review(slowReviewer, 3, 2, false).allowed()).isTrue(); // the check made after the restart
        slow.open();
    }

    @Test
    void prefetchedTasksHoldTheScaleDownToo() {
        workers.prefetched("celery@wk-2", 2);
        assertThat(review(3, 2, false).message()).contains("wk-2 (celery@wk-2) holds 2 prefetched tasks;");
    }

    @Test
    void anIdleVictimIsDrainedThenAllowedInTheSameReview() {
        Decision d = review(3, 1, false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 3 -> 1: allowed, wk-2, wk-1 hold no tasks");
        assertThat(workers.commands).containsExactly("cancel_consumer celery@wk-2 [q, r]",
                "cancel_consumer celery@wk-1 [q]", "loads [celery@wk-2, celery@wk-1]");
    }

    @Test
    void aGoneWorkerOrAPodNotRunningHoldsNothing() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1").runs("celery@wk-1", "tasks.sleep", "t-2");
        workers.alive.remove("celery@wk-2");
        cluster.notRunning("wk-1");
        Decision d = review(3, 1, false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 3 -> 1: allowed, wk-2: worker celery@wk-2 is gone "
                + "(no heartbeat, no answer to ping); wk-1: pod not running");
        assertThat(workers.commands).isEmpty(); // no victim to ask: no broker round trip
        cluster.pods.remove("wk-1");
        assertThat(review(3, 1, false).message()).endsWith("; wk-1: no such pod");
    }

    @Test
    void aWorkerThatDoesNotAnswerCountsAsBusy() {
        workers.silent.add("celery@wk-2");
        Decision d = review(3, 2, false);
        assertThat(d.allowed()).isFalse();
        assertThat(d.message()).contains("wk-2 (celery@wk-2) did not answer the remote control, so its tasks are "
                + "unknown");
        assertThat(cluster.writes).containsExactly("mark wk-2 []"); // drainTimeout counts from now
        // not asked again: each unanswered call would cost another reply timeout of the review's second
        assertThat(workers.commands).containsExactly("loads []");
    }

    @Test
    void drainTimeoutAllowsAndSaysSo() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        cluster.marked("wk-2", new DrainMark(NOW.minus(TIMEOUT), List.of("q", "r")));
        Decision d = review(3, 2, false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.outcome()).isEqualTo(Decision.DRAIN_TIMEOUT);
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 3 -> 2: allowed because drainTimeout 10m has "
                + "passed (draining since 2026-12-01T21:50:00Z) although wk-2 (celery@wk-2) runs tasks.sleep[t-1]");
        assertThat(d.warnings()).containsExactly(d.message());
        assertThat(cluster.writes).contains("Warning ScaleDownDrainTimeout StatefulSet workers/wk: " + d.message());
    }

    @Test
    void aDryRunAnswersTheSameWithoutSideEffects() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        cluster.marked("wk-1", new DrainMark(NOW, List.of("q")));
        Decision d = review(3, 2, true);
        assertThat(d.allowed()).isFalse();
        assertThat(d.message()).endsWith("runs tasks.sleep[t-1] (dry run: nothing was drained)");
        assertThat(review(3, 3, true).allowed()).isTrue();
        assertThat(cluster.writes).isEmpty();
        assertThat(workers.commands).containsOnly("loads [celery@wk-2]");
        assertThat(marks.drainingPod("workers", "wk-2", NOW)).isEmpty();
    }

    @Test
    void aScaleUpUndoesTheDrainOfPodsThatStay() {
        cluster.marked("wk-2", new DrainMark(NOW, List.of("q", "r")));
        workers.queues.get("celery@wk-2").clear();
        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW);

        Decision d = review(2, 3, false);

        assertThat(d.allowed()).isTrue();
        assertThat(d.message()).isEqualTo("StatefulSet workers/wk 2 -> 3: not a scale-down");
        assertThat(workers.commands).containsExactly("add_consumer celery@wk-2 [q, r]");
        assertThat(cluster.writes).containsExactly("clear wk-2");
        assertThat(marks.drainingPod("workers", "wk-2", NOW)).isEmpty();
    }

    @Test
    void aPodRemovedByAScaleDownDoesNotReadAsDrainingWhenItsNameComesBack() {
        // 3 -> 2 allowed, wk-2 removed; a scale-up comes before the new wk-2 exists.
        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW);
        cluster.pods.remove("wk-2");
        assertThat(review(2, 3, false).allowed()).isTrue();
        assertThat(marks.drainingPod("workers", "wk-2", NOW)).isEmpty();
    }

    @Test
    void aSmallerScaleDownUndoesThePodsNoLongerVictims() {
        cluster.marked("wk-1", new DrainMark(NOW, List.of("q")));
        Decision d = review(3, 2, false); // wk-1 was a victim of 3 -> 1, now it stays
        assertThat(d.allowed()).isTrue();
        assertThat(workers.commands).contains("add_consumer celery@wk-1 [q]");
        assertThat(cluster.writes).contains("clear wk-1");
    }

    @Test
    void ordinalsStartPicksTheVictims() {
        FakeCluster shifted = new FakeCluster("wk", 3, 5);
        FakeWorkers w = new FakeWorkers().worker("celery@wk-5", "q").worker("celery@wk-6", "q")
                .worker("celery@wk-7", "q").runs("celery@wk-7", "tasks.sleep", "t-7");
        StatefulSetReviewer r = new StatefulSetReviewer(shifted, TIMEOUT, marks, Runnable::run,
                new ScaleDownMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC),
                TestChecks.eachReview(Runnable::run, Clock.fixed(NOW, ZoneOffset.UTC)));
        Decision d = r.review(new ScaleRequest("uid", WorkloadKind.STATEFUL_SET, "workers", "wk", Optional.empty(), 2,
                false), WK, w);
        assertThat(d.message()).startsWith("StatefulSet workers/wk 3 -> 2: denied while wk-7 (celery@wk-7) runs");
        assertThat(w.commands).containsExactly("cancel_consumer celery@wk-7 [q]", "loads [celery@wk-7]");
    }

    @Test
    void aMissingStatefulSetIsAllowed() {
        cluster.shape = null;
        assertThat(review(3, 2, false).message()).isEqualTo("StatefulSet workers/wk: not found, nothing to drain");
    }
}
