package io.github.queuemetrics.adapter.management;

import io.github.queuemetrics.adapter.api.HealthHandlers;
import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.metrics.HttpMetricsHandler;
import io.github.queuemetrics.adapter.metrics.SharedScrape;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.util.List;
import io.vertx.ext.web.RoutingContext;

/**
 * The plain-HTTP management port: health, readiness, Prometheus metrics and (with worker
 * tracking) worker readiness probes. No authentication, as for kubelet probes and scrapers.
 */
public final class ManagementRouter {

    private ManagementRouter() {
    }

    public static Router create(Vertx vertx, MetricStore store, AdapterMetrics metrics, WorkerDirectory workers) {
        return create(vertx, store, metrics, workers, List.of());
    }

    /** As {@link #create(Vertx, MetricStore, AdapterMetrics, WorkerDirectory)}, with lines added to every {@code /readyz} body. */
    public static Router create(Vertx vertx, MetricStore store, AdapterMetrics metrics, WorkerDirectory workers,
                                List<String> readinessNotices) {
        Router router = Router.router(vertx);
        router.route().handler(new HttpMetricsHandler(metrics.registry(), "management"));
        // The same answers as on the secure port.
        new HealthHandlers(store, readinessNotices).mount(router);
        // Worker readiness probes: answered from the trackers' memory, no broker round trip.
        router.get("/probe/celery/:nodename").handler(ctx -> probe(ctx, workers.probe(WorkerKind.CELERY,
                ctx.pathParam("nodename"), store.now())));
        router.get("/probe/rq/:worker").handler(ctx -> probe(ctx, workers.probe(WorkerKind.RQ,
                ctx.pathParam("worker"), store.now())));
        router.get("/probe/pulp/:worker").handler(ctx -> probe(ctx, workers.probe(WorkerKind.PULP,
                ctx.pathParam("worker"), store.now())));
        router.get("/probe/pod/:namespace/:pod").handler(ctx -> probe(ctx, workers.probePod(
                ctx.pathParam("namespace"), ctx.pathParam("pod"), store.now())));
        // The scrape is computed on a worker thread: with thousands of queues it is not free, and
        // the event loop must stay responsive for probes. One rendering at a time, shared.
        SharedScrape scrape = new SharedScrape(vertx, metrics::scrape);
        router.get("/metrics").handler(ctx -> {
            // The shared rendering completes on the context of the scrape that started it; answer
            // each scrape on its own connection's event loop.
            Context own = vertx.getOrCreateContext();
            scrape.get().onComplete(ar -> own.runOnContext(v -> {
                if (ar.succeeded()) {
                    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                            .end(ar.result());
                } else {
                    ctx.fail(ar.cause());
                }
            }));
        });
        return router;
    }

    private static void probe(RoutingContext ctx, ProbeResult result) {
        text(ctx, result.httpStatus(), result.reason() + "\n");
    }

    static void text(RoutingContext ctx, int code, String body) {
        ctx.response().setStatusCode(code)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end(body);
    }
}
