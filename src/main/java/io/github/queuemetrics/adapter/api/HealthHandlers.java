package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /healthz}, {@code /livez} and {@code /readyz} as text/plain, open to everyone (kubelet
 * probes carry no credentials). {@code /healthz} is 200 while the process serves HTTP; see
 * {@link Liveness} and {@link Readiness} for the other two.
 */
public final class HealthHandlers {

    private final MetricStore store;
    private final List<String> readinessNotices;

    public HealthHandlers(MetricStore store) {
        this(store, List.of());
    }

    /** @param readinessNotices lines added to every {@code /readyz} body (e.g. "authentication is off") */
    public HealthHandlers(MetricStore store, List<String> readinessNotices) {
        this.store = store;
        this.readinessNotices = List.copyOf(readinessNotices);
    }

    /** The process is serving HTTP. */
    public void healthy(RoutingContext ctx) {
        text(ctx, 200, "ok");
    }

    /** 503 while a poller is wedged. */
    public void live(RoutingContext ctx) {
        report(ctx, Liveness.check(store));
    }

    /** 503 until every source has finished its first poll attempt; lists each source's state. */
    public void ready(RoutingContext ctx) {
        report(ctx, Readiness.check(store, readinessNotices));
    }

    private static void report(RoutingContext ctx, HealthReport report) {
        text(ctx, report.httpStatus(), report.body());
    }

    private static void text(RoutingContext ctx, int code, String body) {
        ctx.response().setStatusCode(code)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private")
                .end(body);
    }
}
