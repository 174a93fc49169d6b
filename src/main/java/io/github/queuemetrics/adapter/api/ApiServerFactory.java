package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Entry point for {@code Main}: the secure-port router over a {@link MetricStore}, served over
 * HTTPS. Other secure-port routes (admission webhook, pre-stop hook) can be mounted on the router
 * from {@link #router} before calling {@link SecureServer#start}.
 */
public final class ApiServerFactory {

    private ApiServerFactory() {
    }

    /**
     * The secure-port routes: discovery, metric values, health.
     *
     * @param guard authentication/authorization handler run before everything but health paths,
     *              or null to serve everyone ({@code --authentication none})
     */
    public static Router router(Vertx vertx, MetricStore store, Handler<RoutingContext> guard) {
        return ExternalMetricsRouter.create(vertx, store, guard);
    }

    /** As {@link #router(Vertx, MetricStore, Handler)}, with lines added to every {@code /readyz} body. */
    public static Router router(Vertx vertx, MetricStore store, Handler<RoutingContext> guard,
                                List<String> readinessNotices) {
        return ExternalMetricsRouter.create(vertx, store, guard, readinessNotices);
    }

    /** Builds the router and starts the HTTPS server on {@code port}. */
    public static Future<HttpServer> start(Vertx vertx, MetricStore store, Handler<RoutingContext> guard, int port,
                                           TlsOptions tls) {
        return SecureServer.start(vertx, router(vertx, store, guard), port, tls);
    }
}
