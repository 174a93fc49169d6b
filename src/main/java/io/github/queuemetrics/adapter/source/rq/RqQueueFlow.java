package io.github.queuemetrics.adapter.source.rq;

import io.github.queuemetrics.adapter.source.rate.QueueFlow;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;

/**
 * Completions and arrivals of one queue across polls, turned into per-second rates over a
 * sliding window.
 *
 * <p>Completions: RQ records a finished job in {@code rq:finished:<q>} and a failed one in
 * {@code rq:failed:<q>}, each scored by its expiry (end time + result/failure TTL). Counting
 * the members beyond a fixed horizon {@code h} (a time after the next poll) at two polls gives
 * exactly the jobs that finished in between: no member beyond {@code h} can expire (RQ's cleanup
 * removes only scores up to "now"), and every job finishing after the first count lands beyond
 * {@code h} as long as its TTL exceeds the horizon lead ({@link RqCompletionHorizon}). A job whose
 * entry is deleted or requeued by hand makes the difference smaller; each registry's delta is
 * floored at 0, so such an edit can hide completions but never invent them.
 *
 * <p>Arrivals: every job that arrives either finishes or is still outstanding, so
 * arrivals = completions + (outstanding now - outstanding before), never negative. A drop is
 * carried for a while instead of floored at once ({@link QueueFlow} with carry): in RQ 1.x a job
 * is in no list between the worker's BLPOP and the work horse's StartedJobRegistry write (a fork
 * away, long on a loaded machine), so a poll in that gap sees outstanding fall by one and the next
 * sees it come back; flooring would count the job as a new arrival (seen in CI: 7 arrivals for 2).
 */
final class RqQueueFlow {

    /** Registry sizes beyond the horizon that was current at the previous poll. */
    record RegistryCounts(long finished, long failed) {
    }

    /** Longer than any fork-to-registry gap; a real drop (a deleted job) is forgotten after it. */
    static final Duration CARRY = Duration.ofSeconds(15);

    private final QueueFlow flow;
    private RegistryCounts beyondHorizon;

    RqQueueFlow(Duration window) {
        this.flow = new QueueFlow(window, CARRY);
    }

    /** True when the previous poll left counts that this poll can be compared with. */
    boolean hasBaseline() {
        return beyondHorizon != null && flow.hasBaseline();
    }

    /**
     * Takes one poll's numbers.
     *
     * @param at              the poll time
     * @param atOldHorizon    registry counts beyond the previous horizon, measured now; null when there
     *                        is no usable previous horizon (first poll, or a gap longer than its lead)
     * @param atNewHorizon    registry counts beyond the horizon the next poll will use
     * @param outstanding     ready + unacked + running now
     */
    void update(Instant at, RegistryCounts atOldHorizon, RegistryCounts atNewHorizon, long outstanding) {
        if (atOldHorizon == null || !hasBaseline()) {
            // nothing to compare with: start the windows again rather than bridge an unknown gap
            flow.restart(at, outstanding);
        } else {
            long completed = Math.max(0, atOldHorizon.finished() - beyondHorizon.finished())
                    + Math.max(0, atOldHorizon.failed() - beyondHorizon.failed());
            flow.advance(at, completed, outstanding);
        }
        beyondHorizon = atNewHorizon;
    }

    OptionalDouble completionRate() {
        return flow.completionRate();
    }

    OptionalDouble arrivalRate() {
        return flow.arrivalRate();
    }
}
