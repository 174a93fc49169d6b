package io.github.queuemetrics.adapter.workers.rq;

import java.time.Duration;
import java.util.Objects;

/**
 * The heartbeat rule for RQ workers, taken from rq 1.13 {@code worker.py} (unchanged in 2.10 and
 * master {@code worker/base.py}):
 *
 * <ul>
 * <li>{@code heartbeat(timeout)} sets {@code last_heartbeat} and {@code EXPIRE rq:worker:<name> timeout}
 *     where the timeout is always "time until the next heartbeat is due + 60 s":
 *     idle {@code worker_ttl + 60} (default 420 + 60 = 480 s), busy {@code job_monitoring_interval + 60}
 *     (default 30 + 60 = 90 s).</li>
 * <li>Idle, the worker blocks in BLPOP for {@code dequeue_timeout = max(1, worker_ttl - 15)} s and
 *     heartbeats after each timeout: every 405 s by default. Busy, the parent process wakes every
 *     {@code job_monitoring_interval} (30 s) while the work horse runs and heartbeats. Suspended,
 *     it heartbeats every second.</li>
 * <li>On exit, {@code register_death} removes it from {@code rq:workers}, sets {@code death} and
 *     {@code EXPIRE 60}. A SIGKILLed worker writes nothing: its hash simply expires.</li>
 * </ul>
 *
 * <p>So the worker's own promise is: the next heartbeat comes before the key's expiry minus 60 s
 * ({@link #heartbeatGrace}). The adapter calls a worker <b>silent</b> once that promise is broken
 * by more than {@link #tolerance}, i.e. when the key's remaining TTL drops below
 * {@code heartbeatGrace - tolerance} (45 s by default): 45 s after the last heartbeat of a busy
 * worker, {@code worker_ttl + 15} s after that of an idle one. Using the key's TTL (Redis's clock)
 * instead of comparing {@code last_heartbeat} with the adapter's clock makes the rule immune to
 * clock skew between worker hosts and the adapter, and it adapts to each worker's own
 * {@code --worker-ttl} / {@code --job-monitoring-interval}, which the hash does not record.
 *
 * <p>A hash without expiry (not written by RQ's heartbeat) falls back to comparing
 * {@code last_heartbeat} with {@link #fallbackWorkerTtl} + tolerance.
 */
public record RqLivenessRules(Duration heartbeatGrace, Duration tolerance, Duration fallbackWorkerTtl) {

    /** RQ 1.x/2.x defaults: 60 s grace added by heartbeat(), 15 s tolerance, worker_ttl 420 s. */
    public static final RqLivenessRules DEFAULTS = new RqLivenessRules(Duration.ofSeconds(60),
            Duration.ofSeconds(15), Duration.ofSeconds(420));

    public RqLivenessRules {
        Objects.requireNonNull(heartbeatGrace, "heartbeatGrace");
        Objects.requireNonNull(tolerance, "tolerance");
        Objects.requireNonNull(fallbackWorkerTtl, "fallbackWorkerTtl");
        if (tolerance.compareTo(heartbeatGrace) >= 0) {
            throw new IllegalArgumentException("tolerance must be below the heartbeat grace: " + tolerance);
        }
    }

    /** A worker whose hash TTL is below this has missed its heartbeat by more than the tolerance. */
    public Duration silentBelowTtl() {
        return heartbeatGrace.minus(tolerance);
    }
}
