package io.github.queuemetrics.adapter.workers.celery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential reconnect delay with a little jitter, reset after a successful connect. */
final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private long nextMillis;

    Backoff(Duration initial, Duration max) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
        this.nextMillis = initialMillis;
    }

    /** The delay before the next attempt; each call doubles the following one up to the maximum. */
    synchronized long nextDelayMillis() {
        long delay = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        // Jitter (up to +20%) so many adapters do not reconnect to a recovering broker in lockstep.
        return delay + ThreadLocalRandom.current().nextLong(delay / 5 + 1);
    }

    synchronized void reset() {
        nextMillis = initialMillis;
    }
}
