package io.github.queuemetrics.adapter.management;

import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.metrics.HttpMetricsHandler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The plain-HTTP management port: health, readiness, Prometheus metrics and (with worker
 * tracking) worker readiness probes. No authentication, as for kubelet probes and scrapers.
 */
public final class ManagementRouter {

    private ManagementRouter() {
    }

    public static Router create(Vertx vertx, HealthHandlers health, AdapterMetrics metrics) {
        Router router = Router.router(vertx);
        router.route().handler(new HttpMetricsHandler(metrics.registry(), "management"));
        router.get("/healthz").handler(health::live);
        router.get("/livez").handler(health::live);
        router.get("/readyz").handler(health::ready);
        // The scrape is computed on a worker thread: with thousands of queues it is not free, and
        // the event loop must stay responsive for probes.
        router.get("/metrics").blockingHandler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()), false);
        return router;
    }
}
