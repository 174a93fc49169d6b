package io.github.queuemetrics.adapter.store;

import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the adapter knows of one source right now: its last good snapshot (kept through failures)
 * and, when the most recent poll failed, why. Immutable; the store swaps whole instances.
 */
public record SourceState(String source, SourceSnapshot lastGood, Instant lastFailureAt, String lastError) {

    public static SourceState initial(String source) {
        return new SourceState(source, null, null, null);
    }

    public Optional<SourceSnapshot> snapshot() {
        return Optional.ofNullable(lastGood);
    }

    /** Fresh = polled successfully at least once, and not longer ago than {@code maxStaleness}. */
    public boolean isFresh(Instant now, Duration maxStaleness) {
        return lastGood != null && !lastGood.takenAt().plus(maxStaleness).isBefore(now);
    }

    /** Why this source cannot be served, in words for a Status message or /readyz. */
    public String unavailableReason(Instant now, Duration maxStaleness) {
        String cause = lastError == null ? "" : ": " + lastError;
        if (lastGood == null) {
            return "source " + source + " has not been polled successfully yet" + cause;
        }
        long age = Duration.between(lastGood.takenAt(), now).toSeconds();
        return "source " + source + " is stale: last successful poll " + age + "s ago (maxStaleness "
                + maxStaleness.toSeconds() + "s)" + cause;
    }
}
