package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.store.SourceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Readiness of the adapter: ready once every source has polled successfully and none is stale.
 * Shared by {@code /readyz} on the secure port and on the management port.
 */
public final class Readiness {

    private Readiness() {
    }

    /** One sentence per source that is not ready (which source and why); empty when ready. */
    public static List<String> problems(MetricStore store) {
        Instant now = store.now();
        List<String> problems = new ArrayList<>();
        for (SourceConfig config : store.sources()) {
            if (!store.isFresh(config.name())) {
                SourceState state = store.state(config.name());
                problems.add(state.unavailableReason(now, config.maxStaleness()));
            }
        }
        return problems;
    }

    /** The text/plain body: "ok", or one "[-]reason" line per problem then "readyz check failed". */
    public static String body(List<String> problems) {
        if (problems.isEmpty()) {
            return "ok";
        }
        StringBuilder sb = new StringBuilder();
        problems.forEach(p -> sb.append("[-]").append(p).append('\n'));
        return sb.append("readyz check failed").toString();
    }
}
