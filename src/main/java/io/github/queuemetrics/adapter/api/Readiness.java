package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.store.SourceState;
import java.util.ArrayList;
import java.util.List;

/**
 * Readiness of the adapter: the ability to serve, not the health of the brokers. Ready once every
 * source has finished its first poll attempt, good or bad (the sources start polling only after
 * both servers listen, with the configuration loaded). A stale or failing source does not make the
 * pod unready: with one replica the pod would leave the Service, the aggregator would mark the
 * APIService unavailable, and every HPA in the cluster would lose every external metric. A stale
 * source's own metric requests answer 503; this body and {@code adapter_source_up} say why.
 *
 * <p>Shared by {@code /readyz} on the secure port and on the management port.
 */
public final class Readiness {

    private Readiness() {
    }

    /**
     * One line per source: {@code [+]} fresh, {@code [!]} stale or failing (served as 503 on its
     * metric requests, but the pod stays ready), {@code [-]} first poll attempt not finished yet
     * (the only state that fails readiness).
     */
    public static HealthReport check(MetricStore store) {
        return check(store, List.of());
    }

    /** As {@link #check(MetricStore)}, with {@code notices} first (they never fail readiness). */
    public static HealthReport check(MetricStore store, List<String> notices) {
        long now = store.nanoTime();
        boolean ready = true;
        List<String> lines = new ArrayList<>(notices);
        for (SourceConfig config : store.sources()) {
            SourceState state = store.state(config.name());
            if (!state.attempted()) {
                ready = false;
                lines.add("[-]source " + config.name() + ": first poll not finished yet");
            } else if (state.isFresh(now, config.maxStaleness())) {
                lines.add("[+]source " + config.name() + " is fresh: last successful poll "
                        + state.age(now).toSeconds() + "s ago"
                        + (state.lastError() == null ? "" : "; the latest poll failed: " + state.lastError()));
            } else {
                lines.add("[!]" + state.unavailableReason(now, config.maxStaleness())
                        + " (its metric requests answer 503)");
            }
        }
        return HealthReport.of("readyz", ready, lines);
    }
}
