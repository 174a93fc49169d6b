package io.github.queuemetrics.adapter.scaledown;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * {@code POST /hooks/pre-stop/{namespace}/{pod}[?timeoutSeconds=N]}: drains the pod's worker and
 * answers when it is idle or the wait ended. A long poll: the answer is 200 text/plain, streamed
 * line by line (progress lines {@code draining ...}, {@code waiting: ...}), and its <b>last line</b>
 * is {@code <outcome>: <message>} with outcome one of idle, timeout, no_pod, not_guarded,
 * not_running, worker_gone, caller_gone, failed_open. Everything that is not a refusal by the
 * {@link PreStopAuthorizer} (403) or a malformed name (400) is 200: the caller is a pod's preStop
 * hook and must never be held or failed by the adapter. {@code timeoutSeconds} caps the wait (the
 * pre-stop command sends just under the pod's grace period); drainTimeout caps it anyway.
 */
public final class PreStopHandler implements Handler<RoutingContext> {

    public static final String PATH = "/hooks/pre-stop/:namespace/:pod";
    /** A namespace is a DNS-1123 label, a pod name a DNS-1123 subdomain. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern POD = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private final PreStopService service;
    private final PreStopAuthorizer authorizer;

    public PreStopHandler(PreStopService service, PreStopAuthorizer authorizer) {
        this.service = service;
        this.authorizer = authorizer;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String namespace = ctx.pathParam("namespace");
        String pod = ctx.pathParam("pod");
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            plain(ctx.response().setStatusCode(400)).end("not a namespace name: " + namespace + "\n");
            return;
        }
        if (pod == null || !POD.matcher(pod).matches()) {
            plain(ctx.response().setStatusCode(400)).end("not a pod name: " + pod + "\n");
            return;
        }
        Optional<Duration> atMost;
        try {
            atMost = timeout(ctx.request().getParam("timeoutSeconds"));
        } catch (IllegalArgumentException e) {
            plain(ctx.response().setStatusCode(400)).end(e.getMessage() + "\n");
            return;
        }
        authorizer.refusal(ctx, namespace, pod).onComplete(checked -> {
            if (checked.succeeded() && checked.result().isPresent()) {
                plain(ctx.response().setStatusCode(403)).end(checked.result().get() + "\n");
            } else if (checked.failed()) {
                plain(ctx.response()).end(PodDrain.FAILED_OPEN + ": the access check failed, not waiting: "
                        + checked.cause().getMessage() + "\n");
            } else {
                drain(ctx, namespace, pod, atMost);
            }
        });
    }

    private void drain(RoutingContext ctx, String namespace, String pod, Optional<Duration> atMost) {
        HttpServerResponse response = plain(ctx.response());
        AtomicBoolean gone = new AtomicBoolean();
        response.closeHandler(v -> gone.set(true));
        service.drain(namespace, pod, atMost, line -> {
            if (!gone.get()) {
                // HTTP/1.1 needs chunked for a body of unknown length; HTTP/2 streams anyway, and
                // refuses setChunked once the head is sent.
                if (!response.headWritten()) {
                    response.setChunked(true);
                }
                response.write(line + "\n");
            }
        }, gone::get).onComplete(done -> {
            if (!gone.get()) {
                response.end(done.result().outcome() + ": " + done.result().message() + "\n");
            }
        });
    }

    static Optional<Duration> timeout(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return Optional.of(Duration.ofSeconds(seconds));
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("timeoutSeconds must be a positive whole number of seconds, not " + value);
    }

    private static HttpServerResponse plain(HttpServerResponse response) {
        return response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
    }
}
