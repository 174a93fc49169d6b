package io.github.queuemetrics.adapter.management;

import io.github.queuemetrics.adapter.api.HttpServerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/** The plain-HTTP management server, with the same request limits as the secure port. */
public final class ManagementServer {

    private ManagementServer() {
    }

    /** Listens on {@code port} (0 = any free port) on every interface. */
    public static Future<HttpServer> start(Vertx vertx, Router router, int port) {
        return vertx.createHttpServer(HttpServerLimits.apply(new HttpServerOptions()))
                .invalidRequestHandler(HttpServerLimits::invalidRequest)
                .requestHandler(HttpServerLimits.rejectingMalformedUrls(router))
                .listen(port);
    }
}
