package io.github.queuemetrics.adapter.source.rq;

import java.time.Duration;
import java.util.OptionalDouble;

/**
 * The time (epoch seconds) beyond which finished/failed registry members are counted; see
 * {@link RqQueueFlow}. Each poll counts beyond the previous horizon (to compare) and beyond a new
 * one, {@code lead} ahead of now, for the next poll.
 *
 * <p>The lead is a trade-off: the next poll must come before the horizon (otherwise members
 * counted last time may have expired and been cleaned, and the comparison is dropped), and only
 * jobs kept longer than the lead (result_ttl / failure_ttl) are seen. RQ's defaults are 500 s and
 * one year; the lead is twice the poll interval, at least 10 s.
 */
final class RqCompletionHorizon {

    private final double leadSeconds;
    private double current = Double.NaN;

    RqCompletionHorizon(Duration pollInterval) {
        this.leadSeconds = Math.max(10.0, 2.0 * pollInterval.toMillis() / 1000.0);
    }

    /** The previous horizon if it is still ahead of {@code nowSeconds}, else empty. */
    OptionalDouble previous(double nowSeconds) {
        return !Double.isNaN(current) && nowSeconds < current ? OptionalDouble.of(current) : OptionalDouble.empty();
    }

    /** The horizon this poll lays down for the next one. */
    double next(double nowSeconds) {
        return nowSeconds + leadSeconds;
    }

    /** Called once the poll succeeded, so a failed poll leaves the previous horizon in place. */
    void advanceTo(double horizon) {
        current = horizon;
    }

    double leadSeconds() {
        return leadSeconds;
    }
}
