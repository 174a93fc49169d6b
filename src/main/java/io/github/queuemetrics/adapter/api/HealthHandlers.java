package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /healthz}, {@code /livez} and {@code /readyz} as text/plain, open to everyone (kubelet
 * probes carry no credentials). {@code /healthz} is 200 while the process serves HTTP; see
 * {@link Liveness} and {@link Readiness} for the other two. The secure and the management port
 * both {@link #mount} them, so both answer alike.
 */
public final class HealthHandlers {

    private final MetricStore store;
    private final List<String> readinessNotices;

    /** @param readinessNotices lines added to every {@code /readyz} body (e.g. "authentication is off") */
    public HealthHandlers(MetricStore store, List<String> readinessNotices) {
        this.store = store;
        this.readinessNotices = List.copyOf(readinessNotices);
    }

    /** Serves {@code /healthz}, {@code /livez} and {@code /readyz} on {@code router}. */
    public void mount(Router router) {
        router.get("/healthz").handler(this::healthy);
        router.get("/livez").handler(this::live);
        router.get("/readyz").handler(this::ready);
    }

    /** The process is serving HTTP. */
    private void healthy(RoutingContext ctx) {
        text(ctx, 200, "ok");
    }

    /** 503 while a poller is wedged. */
    private void live(RoutingContext ctx) {
        report(ctx, Liveness.check(store));
    }

    /** 503 until every source has finished its first poll attempt; lists each source's state. */
    private void ready(RoutingContext ctx) {
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
