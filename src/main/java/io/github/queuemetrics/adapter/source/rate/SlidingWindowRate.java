package io.github.queuemetrics.adapter.source.rate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;

/**
 * Per-second rate of a cumulative counter over a sliding time window (e.g. "tasks finished per
 * second over the last minute").
 *
 * <p>Feed it {@code (time, cumulative count)} points, one per poll; the counter must never go
 * down (callers keep their own cumulative sums of non-negative deltas, so a broker-side reset
 * does not show up here). The rate is (newest - oldest) / elapsed over the points inside the
 * window. With fewer than two points there is no rate: {@link #perSecond()} is empty, never 0,
 * because "not measured yet" must not look like "idle".
 *
 * <p>Not thread-safe: one instance belongs to one poller.
 */
public final class SlidingWindowRate {

    private record Point(Instant at, double cumulative) {
    }

    private final Duration window;
    private final Deque<Point> points = new ArrayDeque<>();

    public SlidingWindowRate(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.window = window;
    }

    /**
     * Adds a sample. A point older than the newest one is ignored (clocks should not go back; if
     * they do, the window simply waits for time to catch up). Points that fell out of the window
     * are dropped, except that the oldest one kept is never younger than needed to span it.
     */
    public void record(Instant at, double cumulative) {
        Point newest = points.peekLast();
        if (newest != null && at.isBefore(newest.at())) {
            return;
        }
        if (newest != null && cumulative < newest.cumulative()) {
            throw new IllegalArgumentException("cumulative count went down: " + newest.cumulative() + " -> " + cumulative);
        }
        points.addLast(new Point(at, cumulative));
        Instant start = at.minus(window);
        // keep exactly one point at or before the window start, so the rate spans the whole window
        while (points.size() > 2 && !secondOldest().isAfter(start)) {
            points.removeFirst();
        }
    }

    /** Events per second over the window, or empty before two points are known. */
    public OptionalDouble perSecond() {
        if (points.size() < 2) {
            return OptionalDouble.empty();
        }
        Point oldest = points.peekFirst();
        Point newest = points.peekLast();
        double seconds = Duration.between(oldest.at(), newest.at()).toNanos() / 1e9;
        if (seconds <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((newest.cumulative() - oldest.cumulative()) / seconds);
    }

    /** Forgets every point, e.g. after a gap in which the counter could not be followed. */
    public void clear() {
        points.clear();
    }

    /** Number of points held (for tests and diagnostics). */
    public int size() {
        return points.size();
    }

    private Instant secondOldest() {
        var it = points.iterator();
        it.next();
        return it.next().at();
    }
}
