package io.github.queuemetrics.adapter.workers.rq;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the adapter concludes about one RQ worker at one instant, with the reason in words.
 * Pure: computed from a {@link RqWorkerInfo} (one poll), the {@code rq:suspended} flag and {@code now}.
 */
public record RqWorkerLiveness(Status status, String reason) {

    public enum Status {
        /** Registered, heartbeating, taking jobs from its queues. */
        ALIVE,
        /** Alive but leaving or paused: warm shutdown requested, or suspended ({@code rq suspend}). */
        DRAINED,
        /** Its hash still exists but the heartbeat it promised is overdue (hung, partitioned, SIGKILLed). */
        SILENT,
        /** Exited ({@code death}), left {@code rq:workers}, or its hash expired. */
        GONE;

        /** Counted in workers_total / workers_busy: the worker still exists and may finish work. */
        public boolean live() {
            return this == ALIVE || this == DRAINED;
        }
    }

    public RqWorkerLiveness {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
    }

    /** The order matters: gone beats silent beats drained beats alive. */
    public static RqWorkerLiveness assess(RqWorkerInfo w, boolean suspendedGlobally, Instant now,
            RqLivenessRules rules) {
        String who = "rq worker " + w.name();
        if (!w.hashPresent()) {
            return new RqWorkerLiveness(Status.GONE, who + " is gone: its hash rq:worker:" + w.name()
                    + (w.registered() ? " expired without a heartbeat (killed?), though rq:workers still lists it"
                            : " no longer exists"));
        }
        if (w.death() != null) {
            return new RqWorkerLiveness(Status.GONE, who + " is gone: it exited at " + w.death());
        }
        if (!w.registered()) {
            return new RqWorkerLiveness(Status.GONE, who + " is gone: it is no longer registered in rq:workers");
        }
        Optional<Instant> expiresAt = w.expiresAt();
        if (expiresAt.isPresent() && !now.isBefore(expiresAt.get())) {
            return new RqWorkerLiveness(Status.GONE, who + " is gone: its hash expired at " + expiresAt.get()
                    + " without a heartbeat (last heartbeat " + heartbeat(w, now) + ")");
        }
        if (silent(w, now, rules)) {
            return new RqWorkerLiveness(Status.SILENT, who + " is silent: no heartbeat since " + heartbeat(w, now)
                    + expiresAt.map(t -> "; its hash expires in " + seconds(Duration.between(now, t)) + " s")
                            .orElse(""));
        }
        if (w.shutdownRequested() != null) {
            return new RqWorkerLiveness(Status.DRAINED, who + " is drained: warm shutdown requested at "
                    + w.shutdownRequested() + (w.busy() ? ", finishing its current job before it exits" : ""));
        }
        if (RqWorkerInfo.STATE_SUSPENDED.equals(w.state())) {
            return new RqWorkerLiveness(Status.DRAINED, who + " is drained: suspended (rq suspend), not taking jobs");
        }
        if (suspendedGlobally) {
            return new RqWorkerLiveness(Status.DRAINED, who + " is drained: rq:suspended is set (rq suspend), "
                    + "workers stop taking jobs");
        }
        return new RqWorkerLiveness(Status.ALIVE, who + " is alive: state " + (w.state() == null ? "unknown" : w.state())
                + ", queues " + String.join(",", w.queues()) + ", last heartbeat " + heartbeat(w, now));
    }

    static boolean silent(RqWorkerInfo w, Instant now, RqLivenessRules rules) {
        Optional<Instant> expiresAt = w.expiresAt();
        if (expiresAt.isPresent()) {
            // RQ promises the next heartbeat before (expiry - grace); silent once that is overdue
            // by more than the tolerance.
            return !now.isBefore(expiresAt.get().minus(rules.silentBelowTtl()));
        }
        if (w.lastHeartbeat() == null) {
            return true;
        }
        return Duration.between(w.lastHeartbeat(), now).compareTo(rules.fallbackWorkerTtl().plus(rules.tolerance())) > 0;
    }

    private static String heartbeat(RqWorkerInfo w, Instant now) {
        return w.heartbeatAge(now).map(age -> w.lastHeartbeat() + " (" + seconds(age) + " s ago)").orElse("never");
    }

    private static long seconds(Duration d) {
        return Math.max(0, Math.round(d.toMillis() / 1000.0));
    }
}
