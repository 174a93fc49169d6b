package io.github.queuemetrics.adapter.source.rate;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;

/**
 * Completions and arrivals of one queue across polls, as per-second rates over a sliding window.
 *
 * <p>Each poll brings the tasks completed since the previous poll and the tasks waiting now (as
 * the caller defines both). Every task that arrives is either completed or still waiting, so
 * arrivals = completed + (waiting now - waiting before). Arrivals never go negative: a step whose
 * sum is negative (tasks left without being counted as completed) adds nothing.
 *
 * <p><b>Carry.</b> When the completion count lags the waiting count (Celery's heartbeat counter is
 * up to one heartbeat old while the queue lengths are live), a task that starts shows first as
 * "waiting -1", and as "completed +1" a poll or two later. Flooring each step at 0 would then count
 * it as an arrival twice. With a carry, a negative step is kept as a debt that later steps pay
 * back first, and forgotten only once it is older than the carry. A carry of zero floors each step
 * on its own (RQ: its counts are read in one go, so a negative step is a job removed by hand).
 *
 * <p>Not thread-safe: one instance belongs to one poller.
 */
public final class QueueFlow {

    private final SlidingWindowRate completions;
    private final SlidingWindowRate arrivals;
    private final Duration carry;
    private double completedTotal;
    private double arrivedTotal;
    private double lastWaiting = Double.NaN;
    private double debt;
    private Instant debtSince;

    /** A flow whose negative arrival steps are floored at once. */
    public QueueFlow(Duration window) {
        this(window, Duration.ZERO);
    }

    /** A flow that carries a negative arrival step for up to {@code carry} (see the class comment). */
    public QueueFlow(Duration window, Duration carry) {
        if (carry.isNegative()) {
            throw new IllegalArgumentException("carry must not be negative: " + carry);
        }
        this.completions = new SlidingWindowRate(window);
        this.arrivals = new SlidingWindowRate(window);
        this.carry = carry;
    }

    /** True when a previous poll left a count this poll can be compared with. */
    public boolean hasBaseline() {
        return !Double.isNaN(lastWaiting);
    }

    /** A poll with nothing to compare with: the windows start again here rather than bridge an unknown gap. */
    public void restart(Instant at, double waiting) {
        completions.clear();
        arrivals.clear();
        debt = 0;
        debtSince = null;
        completions.record(at, completedTotal);
        arrivals.record(at, arrivedTotal);
        lastWaiting = waiting;
    }

    /**
     * A poll compared with the previous one.
     *
     * @param completed tasks completed since the previous poll (a negative value counts as 0)
     * @param waiting   tasks not completed now
     */
    public void advance(Instant at, double completed, double waiting) {
        if (!hasBaseline()) {
            restart(at, waiting);
            return;
        }
        double done = Math.max(0, completed);
        double arrived = done + waiting - lastWaiting + debt;
        if (arrived >= 0) {
            debt = 0;
            debtSince = null;
        } else {
            debtSince = debtSince == null ? at : debtSince;
            debt = at.isBefore(debtSince.plus(carry)) ? arrived : 0;
            if (debt == 0) {
                debtSince = null;
            }
            arrived = 0;
        }
        completedTotal += done;
        arrivedTotal += arrived;
        completions.record(at, completedTotal);
        arrivals.record(at, arrivedTotal);
        lastWaiting = waiting;
    }

    public OptionalDouble completionRate() {
        return completions.perSecond();
    }

    public OptionalDouble arrivalRate() {
        return arrivals.perSecond();
    }
}
