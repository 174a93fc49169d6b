package io.github.queuemetrics.adapter.workers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Busy task slots / all task slots over a sliding time window (the {@code workers_utilization}
 * metric). Each poll adds one sample (busy slots, total slots) for a queue; the ratio is the sum
 * of busy slots over the sum of all slots of the samples inside the window, i.e. slot-polls spent
 * busy. With a steady poll interval this is busy slot-time / slot-time; a poll that failed simply
 * leaves no sample instead of pretending the workers were idle.
 *
 * <p>An RQ worker is one slot; a Celery worker is {@code concurrency} slots. Thread-safe: the poller
 * adds, the HTTP side may read.
 */
public final class UtilizationWindow {

    private record Sample(Instant at, double busy, double total) {
    }

    private final Duration window;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public UtilizationWindow(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.window = window;
    }

    public Duration window() {
        return window;
    }

    /**
     * Adds the sample of one poll. A timestamp earlier than the last sample's (the wall clock was
     * stepped back) is taken as the last sample's time, so the window stays ordered.
     */
    public synchronized void add(Instant at, double busySlots, double totalSlots) {
        Objects.requireNonNull(at, "at");
        if (!(busySlots >= 0) || !(totalSlots >= 0) || busySlots > totalSlots) {
            throw new IllegalArgumentException("need 0 <= busy <= total, got busy=" + busySlots
                    + " total=" + totalSlots);
        }
        Sample last = samples.peekLast();
        Instant when = last != null && at.isBefore(last.at()) ? last.at() : at;
        samples.addLast(new Sample(when, busySlots, totalSlots));
        evictBefore(when.minus(window));
    }

    /**
     * The window's ratio at {@code now}: samples taken in (now - window, now]. Empty when those
     * samples had no slots at all (no workers), where a ratio does not exist.
     */
    public synchronized OptionalDouble ratio(Instant now) {
        Instant from = now.minus(window);
        double busy = 0;
        double total = 0;
        for (Sample s : samples) {
            if (s.at().isAfter(from) && !s.at().isAfter(now)) {
                busy += s.busy();
                total += s.total();
            }
        }
        if (total == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.min(1.0, busy / total));
    }

    /** Number of samples kept (for tests and diagnostics). */
    public synchronized int size() {
        return samples.size();
    }

    private void evictBefore(Instant cutoff) {
        while (!samples.isEmpty() && !samples.peekFirst().at().isAfter(cutoff)) {
            samples.removeFirst();
        }
    }
}
