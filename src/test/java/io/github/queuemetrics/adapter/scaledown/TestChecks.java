package io.github.queuemetrics.adapter.scaledown;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/** Worker checks for tests that review step by step: every review asks the workers itself. */
final class TestChecks {

    private TestChecks() {
    }

    /** No reuse of a recent check; with a direct executor each check runs in place, within the review. */
    static WorkerChecks eachReview(Executor background, Clock clock) {
        return new WorkerChecks(WorkerChecks.QUICK, WorkerChecks.PATIENT, Duration.ofSeconds(30), Duration.ZERO,
                background, clock);
    }

    /** {@link #eachReview} with the given waits (slow-worker tests). */
    static WorkerChecks eachReview(Duration quick, Duration patient, Executor background, Clock clock) {
        return new WorkerChecks(quick, patient, Duration.ofSeconds(30), Duration.ZERO, background, clock);
    }
}
