package io.github.queuemetrics.adapter.store;

import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.time.Duration;
import java.util.Optional;

/**
 * What the adapter knows of one source right now: its last good snapshot (kept through failures),
 * when it arrived, when the last poll attempt of any outcome finished and, when that attempt
 * failed, why. Immutable; the store swaps whole instances.
 *
 * <p>Times are readings of a monotonic ticker ({@code System.nanoTime()}), never wall-clock
 * instants: an NTP step or a VM resume that moves the wall clock must not make every source stale
 * (or a stale one fresh). Freshness is counted from when a good poll <em>completed</em>, so a poll
 * that took longer than {@code maxStaleness} is not stale on arrival; the timestamp served with
 * the values stays the snapshot's own {@link SourceSnapshot#takenAt()} (when the poll began, the
 * honest "measured no later than").
 *
 * @param lastGood           the last good snapshot, null before the first one
 * @param goodAtNanos        ticker reading when {@code lastGood} arrived
 * @param attempted          true once a poll attempt has finished (good or bad)
 * @param lastAttemptAtNanos ticker reading when the last attempt finished (or when polling was set up)
 * @param lastError          why the most recent attempt failed, null when it succeeded
 */
public record SourceState(String source, SourceSnapshot lastGood, long goodAtNanos, boolean attempted,
                          long lastAttemptAtNanos, String lastError) {

    /** Before any poll: {@code nowNanos} starts the clock of the wedged-poller check. */
    public static SourceState initial(String source, long nowNanos) {
        return new SourceState(source, null, 0, false, nowNanos, null);
    }

    SourceState succeeded(SourceSnapshot snapshot, long nowNanos) {
        return new SourceState(source, snapshot, nowNanos, true, nowNanos, null);
    }

    /** Keeps the last good snapshot: it is served until it is older than maxStaleness. */
    SourceState failed(String error, long nowNanos) {
        return new SourceState(source, lastGood, goodAtNanos, true, nowNanos, error);
    }

    public Optional<SourceSnapshot> snapshot() {
        return Optional.ofNullable(lastGood);
    }

    /** How long ago the last good poll completed; null before the first one. */
    public Duration age(long nowNanos) {
        return lastGood == null ? null : Duration.ofNanos(Math.max(0, nowNanos - goodAtNanos));
    }

    /** How long ago the last poll attempt finished (or polling was set up, before the first one). */
    public Duration sinceLastAttempt(long nowNanos) {
        return Duration.ofNanos(Math.max(0, nowNanos - lastAttemptAtNanos));
    }

    /** Fresh = polled successfully at least once, and that poll completed no longer ago than {@code maxStaleness}. */
    public boolean isFresh(long nowNanos, Duration maxStaleness) {
        return lastGood != null && nowNanos - goodAtNanos <= maxStaleness.toNanos();
    }

    /** Why this source cannot be served, in words for a Status message or /readyz. */
    public String unavailableReason(long nowNanos, Duration maxStaleness) {
        String cause = lastError == null ? "" : ": " + lastError;
        if (lastGood == null) {
            return "source " + source + " has not been polled successfully yet" + cause;
        }
        return "source " + source + " is stale: last successful poll " + age(nowNanos).toSeconds()
                + "s ago (maxStaleness " + maxStaleness.toSeconds() + "s)" + cause;
    }
}
