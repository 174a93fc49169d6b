package io.github.queuemetrics.adapter.management;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.store.SourceState;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * {@code /healthz}, {@code /livez} and {@code /readyz}, shared by both ports. Readiness follows
 * the last polls (like celery-exporter's ScrapeStatus): a connection can break on its own, and a
 * pod whose sources are stale should leave the Service's endpoints.
 */
public final class HealthHandlers {

    private final MetricStore store;

    public HealthHandlers(MetricStore store) {
        this.store = store;
    }

    public void live(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok");
    }

    /** 200 once every source has polled successfully and none is stale; the body names each source. */
    public void ready(RoutingContext ctx) {
        Instant now = store.now();
        StringBuilder body = new StringBuilder();
        boolean ready = true;
        for (SourceConfig config : store.sources()) {
            SourceState state = store.state(config.name());
            if (state.isFresh(now, config.maxStaleness())) {
                body.append("[+]source ").append(config.name()).append(" ok");
                if (state.failing()) {
                    body.append(" (last poll failed: ").append(state.lastError()).append(")");
                }
            } else {
                ready = false;
                body.append("[-]").append(state.unavailableReason(now, config.maxStaleness()));
            }
            body.append('\n');
        }
        body.append(ready ? "readyz check passed\n" : "readyz check failed\n");
        ctx.response().setStatusCode(ready ? 200 : 503)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(body.toString());
    }
}
