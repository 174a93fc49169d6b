package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.store.SourceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Liveness: fails when a poller is wedged, so that Kubernetes restarts the pod. A poller skips its
 * ticks while a poll runs, so a poll stuck in a broker call shows as no attempt finishing: a source
 * is wedged when no poll attempt (good or bad) has finished for
 * {@code max(3 x pollInterval, pollInterval + POLL_DEADLINE)}, counted from the last finished
 * attempt or, before the first, from when polling was set up. A broker that is down does not make
 * the adapter unlive: its polls fail quickly and count as attempts.
 */
public final class Liveness {

    /**
     * The longest a healthy poll may take: every broker call has a timeout of 10 s or less, and a
     * poll makes a few of them in sequence (pages of the management API, passive declares, worker
     * replies). Generous on purpose: a restart forgets worker state and the last good values.
     */
    public static final Duration POLL_DEADLINE = Duration.ofSeconds(60);

    private Liveness() {
    }

    /** How long a source may go without a finished poll attempt before it counts as wedged. */
    public static Duration wedgedAfter(Duration pollInterval) {
        Duration threeIntervals = pollInterval.multipliedBy(3);
        Duration oneAndDeadline = pollInterval.plus(POLL_DEADLINE);
        return threeIntervals.compareTo(oneAndDeadline) > 0 ? threeIntervals : oneAndDeadline;
    }

    /** {@code [-]} for each wedged source; passes when there is none. */
    public static HealthReport check(MetricStore store) {
        long now = store.nanoTime();
        List<String> lines = new ArrayList<>();
        for (SourceConfig config : store.sources()) {
            SourceState state = store.state(config.name());
            Duration since = state.sinceLastAttempt(now);
            Duration limit = wedgedAfter(config.pollInterval());
            if (since.compareTo(limit) > 0) {
                lines.add("[-]source " + config.name() + ": poller wedged: no poll attempt finished for "
                        + since.toSeconds() + "s (limit " + limit.toSeconds() + "s)");
            }
        }
        return HealthReport.of("livez", lines.isEmpty(), lines);
    }
}
