package io.github.queuemetrics.adapter.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes API answers. Every body is JSON with {@code Content-Type: application/json}, whatever the
 * request's Accept header: client-go picks its decoder from this header, and the HPA asks for
 * {@code application/vnd.kubernetes.protobuf, *}{@code /*}; a missing header would make it try
 * protobuf. Never a 406, never a {@code Retry-After} (client-go would retry and block an HPA worker).
 */
public final class JsonResponses {

    public static final String APPLICATION_JSON = "application/json";

    private JsonResponses() {
    }

    public static Future<Void> ok(RoutingContext ctx, JsonObject body) {
        return send(ctx.response(), 200, body);
    }

    /** A body already encoded as JSON text. */
    public static Future<Void> ok(RoutingContext ctx, String json) {
        return send(ctx.response(), 200, Buffer.buffer(json));
    }

    /** A body already encoded as JSON bytes (the same buffer may be sent many times). */
    public static Future<Void> ok(RoutingContext ctx, Buffer json) {
        return send(ctx.response(), 200, json);
    }

    public static Future<Void> status(RoutingContext ctx, Status status) {
        return send(ctx.response(), status.code(), status.toJson());
    }

    public static Future<Void> send(HttpServerResponse response, int code, JsonObject body) {
        return send(response, code, Buffer.buffer(body.encode()));
    }

    /** A response that is already ended is left alone: ending it again would throw. */
    private static Future<Void> send(HttpServerResponse response, int code, Buffer body) {
        if (response.ended()) {
            return Future.succeededFuture();
        }
        return headers(response.setStatusCode(code)).end(body);
    }

    private static HttpServerResponse headers(HttpServerResponse response) {
        return response.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private");
    }
}
