package io.github.queuemetrics.adapter.management;

import io.github.queuemetrics.adapter.api.Readiness;
import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.metrics.HttpMetricsHandler;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The plain-HTTP management port: health, readiness, Prometheus metrics and (with worker
 * tracking) worker readiness probes. No authentication, as for kubelet probes and scrapers.
 */
public final class ManagementRouter {

    private ManagementRouter() {
    }

    public static Router create(Vertx vertx, MetricStore store, AdapterMetrics metrics, WorkerDirectory workers) {
        Router router = Router.router(vertx);
        router.route().handler(new HttpMetricsHandler(metrics.registry(), "management"));
        router.get("/healthz").handler(ctx -> text(ctx, 200, "ok"));
        router.get("/livez").handler(ctx -> text(ctx, 200, "ok"));
        router.get("/readyz").handler(ctx -> {
            List<String> problems = Readiness.problems(store);
            text(ctx, problems.isEmpty() ? 200 : 503, Readiness.body(problems));
        });
        // Worker readiness probes: answered from the trackers' memory, no broker round trip.
        router.get("/probe/celery/:nodename").handler(ctx -> probe(ctx, workers.probe(WorkerKind.CELERY,
                ctx.pathParam("nodename"), store.now())));
        router.get("/probe/rq/:worker").handler(ctx -> probe(ctx, workers.probe(WorkerKind.RQ,
                ctx.pathParam("worker"), store.now())));
        router.get("/probe/pod/:namespace/:pod").handler(ctx -> probe(ctx, workers.probePod(
                ctx.pathParam("namespace"), ctx.pathParam("pod"), store.now())));
        // The scrape is computed on a worker thread: with thousands of queues it is not free, and
        // the event loop must stay responsive for probes.
        router.get("/metrics").blockingHandler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()), false);
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
