package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes of the secure port: discovery, metric values and health. Errors of every kind (unknown
 * path, wrong method, a failing handler) are {@code metav1.Status} JSON.
 *
 * <p>Authentication/authorization hook: {@code guard} (optional) runs before every route except
 * {@code /healthz}, {@code /livez} and {@code /readyz}, which Kubernetes exempts from
 * authorization. It must either call {@code ctx.next()} to let the request through or end the
 * response itself (e.g. with {@link JsonResponses#status} and {@link Status#unauthorized()} or
 * {@link Status#forbiddenResource}). It may be asynchronous (a TokenReview call) as long as it
 * ends in one of the two.
 */
public final class ExternalMetricsRouter {

    private static final Logger LOGGER = LoggerFactory.getLogger(ExternalMetricsRouter.class);

    private ExternalMetricsRouter() {
    }

    /**
     * @param vertx the Vert.x instance
     * @param store where metric values are read from
     * @param guard authentication/authorization handler, or null to serve everyone
     */
    public static Router create(Vertx vertx, MetricStore store, Handler<RoutingContext> guard) {
        return create(vertx, store, guard, List.of());
    }

    /** As {@link #create(Vertx, MetricStore, Handler)}, with lines added to every {@code /readyz} body. */
    public static Router create(Vertx vertx, MetricStore store, Handler<RoutingContext> guard,
                                List<String> readinessNotices) {
        Router router = Router.router(vertx);
        new HealthHandlers(store, readinessNotices).mount(router);

        if (guard != null) {
            router.route().handler(guard);
        }

        router.get("/apis").handler(ctx -> JsonResponses.ok(ctx, DiscoveryDocuments.apiGroupList()));
        router.get("/apis/" + DiscoveryDocuments.GROUP)
                .handler(ctx -> JsonResponses.ok(ctx, DiscoveryDocuments.apiGroup()));
        router.get("/apis/" + DiscoveryDocuments.GROUP_VERSION)
                .handler(ctx -> JsonResponses.ok(ctx, DiscoveryDocuments.apiResourceList()));
        router.get(ExternalMetricHandler.PATH).handler(new ExternalMetricHandler(store));
        // /openapi/v2 and /openapi/v3 are deliberately not served: the aggregator skips a 404
        // gracefully, while a 200 with an invalid document would be logged and retried.

        router.errorHandler(404, ctx -> JsonResponses.status(ctx,
                Status.notFound("the server could not find the requested resource")));
        router.errorHandler(405, ctx -> JsonResponses.status(ctx, Status.methodNotAllowed(ctx.request().method().name())));
        router.errorHandler(500, ctx -> {
            LOGGER.error("Request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
            JsonResponses.status(ctx, Status.internalError("unexpected error while serving " + ctx.request().path()));
        });
        return router;
    }
}
