package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side shared by the RabbitMQ plugins' clients (management API, Prometheus endpoint): the
 * JDK HttpClient forced to HTTP/1.1 (its h2c upgrade attempt makes the management plugin drop the
 * connection), no redirects, the source's TLS trust, and every request bounded by {@code timeout}
 * as a whole, body included. Error messages name the endpoint by {@code describe}, never credentials.
 */
final class BrokerHttp {

    private final HttpClient http;
    private final Duration timeout;
    private final String describe;

    /** @param describe how errors name the endpoint, e.g. "management API http://host:15672" */
    BrokerHttp(Duration timeout, BrokerTls tls, String describe) {
        this.timeout = timeout;
        this.describe = describe;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .sslContext(tls.sslContext())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A GET of {@code uri} with the request timeout set; the caller adds its headers. */
    HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(timeout).GET();
    }

    /** Sends {@code request}; {@code what} ends error messages, e.g. "(vhost 'jobs')". */
    HttpResponse<byte[]> send(HttpRequest request, String what) throws IOException, InterruptedException {
        // sendAsync + a bounded get: the request timeout alone stops at the response headers,
        // this also bounds a body that trickles in.
        CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        try {
            return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException(describe + " did not answer within " + timeout.toMillis() + " ms " + what, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String failure = cause instanceof java.net.http.HttpTimeoutException
                    ? "did not answer within " + timeout.toMillis() + " ms"
                    : "is unreachable: " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : " " + Secrets.redact(cause.getMessage()));
            throw new IOException(describe + " " + failure + " " + what, cause);
        }
    }

    /** The start of an answer's body for an error message: one line, credentials redacted, at most 200 characters. */
    static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        text = Secrets.redact(text);
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** {@code uri} without its user information (kept apart, sent as a header). */
    static URI withoutUserInfo(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri;
        }
        String authority = uri.getRawAuthority();
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        return URI.create(uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }

    /** {@code {base}{path}?{query}}, keeping a base path (a plugin path prefix or an ingress prefix). */
    static URI resolve(URI base, String rawPath, String query) {
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        if (basePath.endsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + rawPath + "?" + query);
    }
}
