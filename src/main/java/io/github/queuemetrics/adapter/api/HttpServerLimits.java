package io.github.queuemetrics.adapter.api;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection or request may make the adapter hold, for both ports, and the answers to
 * requests that break the limits or do not parse: {@code metav1.Status} JSON (client-go decodes
 * errors by Content-Type), one DEBUG line in the log, never a stack trace.
 */
public final class HttpServerLimits {

    /**
     * The longest request line (method, URL, version). A {@code labelSelector} of
     * {@code LabelSelectors.MAX_LENGTH} characters, every one percent-encoded, plus the path fits.
     */
    public static final int MAX_INITIAL_LINE_LENGTH = 16 * 1024;
    /** All request headers together (Vert.x's default); a kube-apiserver proxy request sends about 1 KiB. */
    public static final int MAX_HEADER_SIZE = 8 * 1024;
    /**
     * HTTP/2 has no request line: the path is a header, so the HTTP/2 header list may hold both
     * limits above (advertised in SETTINGS_MAX_HEADER_LIST_SIZE; conforming clients stay below it).
     */
    public static final int MAX_HTTP2_HEADER_LIST_SIZE = MAX_INITIAL_LINE_LENGTH + MAX_HEADER_SIZE;
    /**
     * A connection on which nothing is read or written for this long is closed (HTTP/1.1 and
     * HTTP/2). Longer than the pools' idle timeouts of the usual clients (Go's net/http 90 s, which
     * kube-apiserver and Prometheus use; Vert.x's 60 s) and than Prometheus's default scrape
     * interval (60 s), and not close to a longer common one (120 s): the client, not the server,
     * ends an idle pooled connection. A server closing one races a request the client sends on it
     * at that moment, which fails (Go retries an idempotent GET; Vert.x's client does not): 2 of
     * 72,000 GETs of the memory bench when both sides used 60 s (bench/README.md, "Idle connections").
     */
    public static final int IDLE_TIMEOUT_SECONDS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(HttpServerLimits.class);

    private HttpServerLimits() {
    }

    /** Sets the limits above on {@code options}. */
    public static HttpServerOptions apply(HttpServerOptions options) {
        options.getInitialSettings().setMaxHeaderListSize(MAX_HTTP2_HEADER_LIST_SIZE);
        return options.setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setIdleTimeout(IDLE_TIMEOUT_SECONDS)
                .setIdleTimeoutUnit(TimeUnit.SECONDS);
    }

    /**
     * For {@code HttpServer.invalidRequestHandler}: a request the HTTP/1.x decoder rejected (line
     * or headers too long, garbage). The connection is closed after the answer, as Vert.x's own
     * handler does: the rest of the stream cannot be trusted to be at a request boundary.
     */
    public static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        Status status;
        if (cause instanceof TooLongHttpLineException) {
            status = new Status(414, "RequestURITooLong", "the request line is longer than "
                    + MAX_INITIAL_LINE_LENGTH + " bytes", null);
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = new Status(431, "RequestHeaderFieldsTooLarge", "the request headers are larger than "
                    + MAX_HEADER_SIZE + " bytes", null);
        } else {
            status = Status.badRequest("malformed HTTP request");
        }
        LOG.debug("{} from {}: {}", status.code(), request.remoteAddress(), status.message());
        request.response().putHeader(HttpHeaders.CONNECTION, "close");
        JsonResponses.send(request.response(), status.code(), status.toJson())
                .onComplete(ar -> request.connection().close());
    }

    /**
     * Answers a request whose path or query has a malformed percent-encoding ({@code %zz},
     * a lone {@code %}) with a 400 Status before the router sees it: Vert.x Web would otherwise
     * throw while matching routes, log an ERROR with a stack trace and answer plain text.
     */
    public static Handler<HttpServerRequest> rejectingMalformedUrls(Handler<HttpServerRequest> next) {
        return request -> {
            String problem = urlProblem(request);
            if (problem == null) {
                next.handle(request);
                return;
            }
            LOG.debug("400 from {}: {}", request.remoteAddress(), problem);
            JsonResponses.send(request.response(), 400, Status.badRequest(problem).toJson());
        };
    }

    private static String urlProblem(HttpServerRequest request) {
        if (!wellEncoded(request.path())) {
            return "malformed percent-encoding in the request path";
        }
        if (request.query() != null && !wellEncoded(request.query())) {
            return "malformed percent-encoding in the query string";
        }
        return null;
    }

    /** Every {@code %} starts a {@code %XX} escape of two hex digits. */
    static boolean wellEncoded(String text) {
        for (int i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 3)) {
            if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                    || Character.digit(text.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
