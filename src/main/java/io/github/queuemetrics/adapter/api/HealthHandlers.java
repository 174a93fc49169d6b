package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /healthz}, {@code /livez} and {@code /readyz} as the generic apiserver serves them:
 * {@code 200 text/plain "ok"}, open to everyone (kubelet probes carry no credentials).
 */
final class HealthHandlers {

    static final List<String> PATHS = List.of("/healthz", "/livez", "/readyz");

    private final MetricStore store;

    HealthHandlers(MetricStore store) {
        this.store = store;
    }

    /** Liveness: the process is serving HTTP. */
    void live(RoutingContext ctx) {
        text(ctx, 200, "ok");
    }

    /** Readiness: 503 naming each source that has not polled yet or is stale, and why. */
    void ready(RoutingContext ctx) {
        List<String> problems = Readiness.problems(store);
        text(ctx, problems.isEmpty() ? 200 : 503, Readiness.body(problems));
    }

    private static void text(RoutingContext ctx, int code, String body) {
        ctx.response().setStatusCode(code)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private")
                .end(body);
    }
}
