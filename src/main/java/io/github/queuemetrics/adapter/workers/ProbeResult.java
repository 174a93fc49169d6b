package io.github.queuemetrics.adapter.workers;

import java.util.Objects;

/**
 * The answer of a worker readiness probe ({@code /probe/celery/{nodename}}, {@code /probe/rq/{worker}}):
 * HTTP 200 when {@code ready}, 503 otherwise; {@code reason} is the body either way, so whoever
 * looks at a failing probe sees why (gone, silent, drained, no fresh data).
 */
public record ProbeResult(boolean ready, String reason) {

    public ProbeResult {
        Objects.requireNonNull(reason, "reason");
    }

    public static ProbeResult ready(String reason) {
        return new ProbeResult(true, reason);
    }

    public static ProbeResult notReady(String reason) {
        return new ProbeResult(false, reason);
    }

    /** 200 or 503. */
    public int httpStatus() {
        return ready ? 200 : 503;
    }
}
