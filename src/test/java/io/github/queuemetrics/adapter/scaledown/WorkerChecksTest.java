package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.scaledown.WorkerChecks.Check;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.RunningTask;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A review answers from its own check when it is quick, else from an earlier one that still holds, else waits. */
class WorkerChecksTest {

    static final Instant T0 = Instant.parse("2026-12-07T19:00:00Z");
    static final Duration QUICK = Duration.ofMillis(30);
    static final Duration PATIENT = Duration.ofMillis(400);

    final MutableClock clock = new MutableClock(T0);
    final SlowWorkers slow = new SlowWorkers();
    final WorkerChecks checks = new WorkerChecks(QUICK, PATIENT, Duration.ofSeconds(30), Duration.ZERO, slow, clock);
    final AtomicInteger asked = new AtomicInteger();

    @AfterEach
    void release() {
        slow.open();
    }

    Check answer(String running) {
        asked.incrementAndGet();
        WorkerLoad load = running == null ? new WorkerLoad(List.of(), 0)
                : new WorkerLoad(List.of(new RunningTask("tasks.sleep", running)), 0);
        return new Check(Map.of("celery@wk-2", load), Map.of("drain", "since-1"), clock.instant());
    }

    @Test
    void aQuickCheckAnswersItsOwnReview() {
        assertThat(checks.get("k", () -> answer("t-1"), c -> true, c -> true).loads().get("celery@wk-2").idle()).isFalse();
        assertThat(checks.get("k", () -> answer(null), c -> true, c -> true).loads().get("celery@wk-2").idle()).isTrue();
        assertThat(asked).hasValue(2);
    }

    @Test
    void slowWorkersAreAnsweredForByTheLastCheckThatStillHoldsAndSettlesTheAnswer() {
        checks.get("k", () -> answer(null), c -> true, c -> true);
        clock.set(T0.plusSeconds(15));
        slow.close();

        long started = System.nanoTime();
        Check served = checks.get("k", () -> answer("t-1"), c -> "since-1".equals(c.facts().get("drain")),
                c -> c.loads().get("celery@wk-2").idle());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(served.at()).isEqualTo(T0); // the earlier check, not a made-up answer
        assertThat(served.loads().get("celery@wk-2").idle()).isTrue();
        assertThat(tookMs).isLessThan(PATIENT.toMillis());
        // the slow check goes on; once it ends it serves the next review
        slow.open();
        slow.awaitIdle();
        slow.close();
        assertThat(checks.get("k", () -> answer(null), c -> true, c -> true).loads().get("celery@wk-2").running())
                .extracting(RunningTask::id).containsExactly("t-1");
    }

    @Test
    void anEarlierCheckThatDoesNotSettleTheAnswerWaitsForTheWorkersFirst() {
        checks.get("k", () -> answer("t-1"), c -> true, c -> true);
        clock.set(T0.plusSeconds(15));
        slow.close();

        long started = System.nanoTime();
        Check served = checks.get("k", () -> answer(null), c -> true, c -> c.loads().get("celery@wk-2").idle());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // it would deny: the review waited for its own check, and only then fell back on the earlier one
        assertThat(tookMs).isGreaterThanOrEqualTo(PATIENT.toMillis());
        assertThat(served.at()).isEqualTo(T0);
        // with workers that answer in time, the review's own check answers
        slow.open();
        slow.awaitIdle();
        clock.set(T0.plusSeconds(30));
        assertThat(checks.get("k", () -> answer(null), c -> true, c -> false).at()).isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void anEarlierCheckWhoseGuardFailsIsNotUsed() {
        checks.get("k", () -> answer(null), c -> true, c -> true);
        slow.close();
        // the drain it saw was undone (or the worker restarted): wait for the workers, then give up
        assertThatThrownBy(() -> checks.get("k", () -> answer(null), c -> false, c -> true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the workers did not answer within 400 ms");
    }

    @Test
    void anEarlierCheckOlderThanMaxAgeIsNotUsed() {
        checks.get("k", () -> answer(null), c -> true, c -> true);
        clock.set(T0.plusSeconds(31));
        slow.close();
        assertThatThrownBy(() -> checks.get("k", () -> answer(null), c -> true, c -> true))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void forgottenChecksAreNotUsed() {
        checks.get("StatefulSet a/wk|drain|wk-2", () -> answer(null), c -> true, c -> true);
        checks.get("StatefulSet a/other|drain|x-1", () -> answer(null), c -> true, c -> true);
        checks.forget("StatefulSet a/wk|");
        slow.close();
        assertThatThrownBy(() -> checks.get("StatefulSet a/wk|drain|wk-2", () -> answer(null), c -> true, c -> true))
                .isInstanceOf(IllegalStateException.class);
        assertThat(checks.get("StatefulSet a/other|drain|x-1", () -> answer(null), c -> true, c -> true)).isNotNull();
    }

    @Test
    void aReviewThatFindsACheckInFlightWaitsForThatOne() throws Exception {
        checks.get("k", () -> answer("t-1"), c -> true, c -> true);
        slow.close();
        checks.get("k", () -> answer("t-2"), c -> true, c -> true); // starts a check that waits at the gate
        checks.get("k", () -> answer("t-3"), c -> true, c -> true); // joins it
        slow.open();
        slow.awaitIdle();
        assertThat(asked).hasValue(2);
        assertThat(checks.get("k", () -> answer("t-4"), c -> true, c -> true).loads().get("celery@wk-2").running())
                .extracting(RunningTask::id).containsExactly("t-4");
    }

    @Test
    void anAdvisoryCheckServesTheEarlierAnswerWithoutWaiting() {
        checks.advisory("costs", () -> answer("t-1"));
        slow.close();
        long started = System.nanoTime();
        assertThat(checks.advisory("costs", () -> answer(null)).at()).isEqualTo(T0);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(QUICK.toMillis());
        slow.open();
        slow.awaitIdle();
        assertThat(checks.advisory("costs", () -> answer("t-3")).loads().get("celery@wk-2").idle()).isTrue();
    }

    @Test
    void aFailedCheckFailsTheReviewThatWaitedForIt() {
        assertThatThrownBy(() -> checks.get("k", () -> {
            throw new IllegalStateException("broker down");
        }, c -> true, c -> true)).hasMessage("broker down");
    }

    @Test
    void aCheckYoungerThanReuseWithinServesWithoutAskingAgain() {
        WorkerChecks reusing = new WorkerChecks(QUICK, PATIENT, Duration.ofSeconds(30), Duration.ofSeconds(2), slow,
                clock);
        reusing.get("k", () -> answer("t-1"), c -> true, c -> true);
        clock.set(T0.plusMillis(1_999));
        assertThat(reusing.get("k", () -> answer(null), c -> true, c -> true).at()).isEqualTo(T0);
        assertThat(asked).hasValue(1);
        // unless it no longer holds
        assertThat(reusing.get("k", () -> answer(null), c -> false, c -> true).loads().get("celery@wk-2").idle())
                .isTrue();
        clock.set(T0.plusMillis(4_100));
        assertThat(reusing.get("k", () -> answer("t-2"), c -> true, c -> true).loads().get("celery@wk-2").running())
                .hasSize(1);
        assertThat(asked).hasValue(3);
    }

    @Test
    void checksServeAtMostHalfOfUndoAfter() {
        assertThat(WorkerChecks.maxAge(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(30));
        assertThat(WorkerChecks.maxAge(Duration.ofSeconds(40))).isEqualTo(Duration.ofSeconds(20));
    }

    /** Runs each task on its own thread once the gate is open: the workers answer late while it is closed. */
    static final class SlowWorkers implements java.util.concurrent.Executor {
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private final AtomicInteger running = new AtomicInteger();

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        void awaitIdle() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(running).hasValue(0);
        }

        @Override
        public void execute(Runnable command) {
            CountDownLatch waitFor = gate;
            running.incrementAndGet();
            Thread thread = new Thread(() -> {
                try {
                    waitFor.await(10, TimeUnit.SECONDS);
                    command.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet();
                }
            }, "slow-workers");
            thread.setDaemon(true);
            thread.start();
        }
    }
}
