package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.management.ManagementRouter;
import io.github.queuemetrics.adapter.management.ManagementServer;
import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.testsupport.WireSchema;
import io.github.queuemetrics.adapter.testsupport.WireSchema.StatusBody;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests that do not parse as HTTP or as a URL still get a {@code metav1.Status} JSON answer
 * (client-go decodes errors by Content-Type), on the secure port over HTTP/1.1 and HTTP/2, and on
 * the management port.
 */
class HttpErrorShapesTest {

    private static final String BASE = "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/";

    private static Vertx vertx;
    private static HttpServer secure;
    private static HttpServer management;
    private static HttpClient h1;
    private static HttpClient h2;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        SourceConfig config = new SourceConfig("rq", SourceType.RQ, null, null, null,
                URI.create("redis://localhost:6379/1"), List.of("default"), null, WorkerKind.NONE, List.of(),
                Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
        MetricStore store = new MetricStore(List.of(config), Clock.systemUTC());
        store.recordSuccess(new SourceSnapshot("rq", Instant.now(), List.of(
                QueueSample.builder("rq", "default").value(QueueMetric.OUTSTANDING, 4).build())));
        secure = await(ApiServerFactory.start(vertx, store, null, 0, TlsOptions.selfSigned(List.of())));
        management = await(ManagementServer.start(vertx, ManagementRouter.create(vertx, store,
                new AdapterMetrics(store, new WorkerDirectory()), new WorkerDirectory()), 0));
        HttpClientOptions tls = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
                .setUseAlpn(true);
        // Only a marker: HTTP/1.1 requests are written byte for byte (see get); a Vert.x client
        // request from the test thread hung for 30 s once in a while on this loaded machine.
        h1 = vertx.createHttpClient(new HttpClientOptions(tls).setProtocolVersion(HttpVersion.HTTP_1_1));
        h2 = vertx.createHttpClient(new HttpClientOptions(tls).setProtocolVersion(HttpVersion.HTTP_2));
    }

    @AfterAll
    static void stop() throws Exception {
        await(vertx.close());
    }

    record Answer(int status, String contentType, String body) {
        StatusBody status(int code, String reason) {
            assertThat(status).as(body).isEqualTo(code);
            assertThat(contentType).isEqualTo("application/json");
            StatusBody status = WireSchema.decode(body, StatusBody.class);
            assertThat(status.kind()).isEqualTo("Status");
            assertThat(status.status()).isEqualTo("Failure");
            assertThat(status.code()).isEqualTo(code);
            assertThat(status.reason()).isEqualTo(reason);
            return status;
        }
    }

    private static Answer get(HttpClient client, int port, String uri) throws Exception {
        return get(client, port, uri, null);
    }

    private static Answer get(HttpClient client, int port, String uri, String bigHeader) throws Exception {
        if (client == h1) {
            // HTTP/1.1 byte for byte over TLS: the exact request line, a connection of its own
            return raw(port, true, "GET " + uri + " HTTP/1.1", bigHeader == null ? null : "X-Big: " + bigHeader);
        }
        // HTTP/2: the Vert.x client sometimes never completes a request whose path has a malformed
        // escape (seen in clean-clone CI runs on a loaded machine), while the adapter answered
        // curl --http2 for the same paths 300 of 300 times at once. So each attempt gets 10 s on a
        // fresh client (a new connection); a server that never answers still fails all three.
        java.util.concurrent.TimeoutException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            HttpClient fresh = attempt == 0 ? client : vertx.createHttpClient(new HttpClientOptions().setSsl(true)
                    .setTrustAll(true).setVerifyHost(false).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
            try {
                return h2Get(fresh, port, uri, bigHeader).toCompletionStage().toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                last = e;
            } finally {
                if (fresh != client) {
                    fresh.close();
                }
            }
        }
        throw new AssertionError("no HTTP/2 answer to " + uri + " in three attempts of 10 s", last);
    }

    private static Future<Answer> h2Get(HttpClient client, int port, String uri, String bigHeader) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(port)
                        .setURI(uri))
                .compose(req -> {
                    if (bigHeader != null) {
                        req.putHeader("X-Big", bigHeader);
                    }
                    return req.send();
                })
                .compose(r -> r.body().map(b -> new Answer(r.statusCode(), r.getHeader("Content-Type"), b.toString())));
    }

    /** A plain HTTP/1.1 request written byte for byte (the management port). */
    private static Answer raw(int port, String requestLine, String extraHeader) throws Exception {
        return raw(port, false, requestLine, extraHeader);
    }

    private static Answer raw(int port, boolean tls, String requestLine, String extraHeader) throws Exception {
        try (Socket socket = tls ? trustAll().getSocketFactory().createSocket("localhost", port)
                : new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: localhost\r\n" + (extraHeader == null ? "" : extraHeader + "\r\n")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int code = Integer.parseInt(response.substring(9, 12));
            String head = response.substring(0, response.indexOf("\r\n\r\n"));
            String contentType = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .map(l -> l.substring(13).trim()).findFirst().orElse(null);
            return new Answer(code, contentType, response.substring(response.indexOf("\r\n\r\n") + 4));
        }
    }

    static Stream<HttpVersion> versions() {
        return Stream.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2);
    }

    private static HttpClient client(HttpVersion version) {
        return version == HttpVersion.HTTP_2 ? h2 : h1;
    }

    @ParameterizedTest
    @MethodSource("versions")
    void malformedPercentEncodingInTheQueryIs400Status(HttpVersion version) throws Exception {
        StatusBody status = get(client(version), secure.actualPort(), BASE + "queue_outstanding?labelSelector=queue%3Da%zz")
                .status(400, "BadRequest");
        assertThat(status.message()).contains("percent-encoding");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void malformedPercentEncodingInThePathIs400Status(HttpVersion version) throws Exception {
        get(client(version), secure.actualPort(), BASE + "queue%zzoutstanding").status(400, "BadRequest");
    }

    @Test
    void tooLongAUrlIs414Status() throws Exception {
        String uri = BASE + "queue_outstanding?labelSelector=" + "a".repeat(20_000);
        StatusBody status = get(h1, secure.actualPort(), uri).status(414, "RequestURITooLong");
        assertThat(status.message()).contains("16384");
        raw(management.actualPort(), "GET /metrics?x=" + "a".repeat(20_000) + " HTTP/1.1", null)
                .status(414, "RequestURITooLong");
    }

    @Test
    void tooLargeHeadersAre431Status() throws Exception {
        StatusBody status = get(h1, secure.actualPort(), "/apis", "b".repeat(20_000))
                .status(431, "RequestHeaderFieldsTooLarge");
        raw(management.actualPort(), "GET /metrics HTTP/1.1", "X-Big: " + "b".repeat(20_000))
                .status(431, "RequestHeaderFieldsTooLarge");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void aSelectorAtTheLengthLimitFitsInTheRequestLine(HttpVersion version) throws Exception {
        // 4,096 characters of selector, every one percent-encoded: the URL line is about 12 KiB
        StringBuilder values = new StringBuilder();
        for (int i = 100; values.length() < 4_096 - 80; i++) {
            values.append(values.length() == 0 ? "" : ",").append("x".repeat(60)).append(i);
        }
        String selector = "queue notin (" + values + ")";
        assertThat(selector.length()).isBetween(4_000, 4_096);
        StringBuilder encoded = new StringBuilder();
        for (byte b : selector.getBytes(StandardCharsets.UTF_8)) {
            encoded.append('%').append(String.format("%02X", b));
        }
        Answer answer = get(client(version), secure.actualPort(), BASE + "queue_outstanding?labelSelector=" + encoded);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    @Test
    void idleConnectionsAreClosedOnBothPorts() {
        HttpServerOptions limited = HttpServerLimits.apply(new HttpServerOptions());
        assertThat(limited.getIdleTimeout()).isEqualTo(100);
        assertThat(limited.getIdleTimeoutUnit()).isEqualTo(TimeUnit.SECONDS);
        assertThat(limited.getInitialSettings().getMaxHeaderListSize()).isEqualTo(24 * 1024);
    }

    /**
     * The server must not be the side that ends a pooled connection its usual clients still hold:
     * a request sent as it closes fails. Vert.x's client drops an expired connection only on its
     * pool cleaner's next tick (1 s), so it needs the margin.
     */
    @Test
    void idleTimeoutOutlastsTheUsualClientsKeepAlive() {
        int goIdleConnTimeout = 90; // net/http's DefaultTransport, also apimachinery's transport default
        int prometheusScrapeInterval = 60; // its default; 120 s is common too
        assertThat(HttpServerLimits.IDLE_TIMEOUT_SECONDS)
                .isGreaterThanOrEqualTo(goIdleConnTimeout + 10)
                .isGreaterThanOrEqualTo(HttpClientOptions.DEFAULT_KEEP_ALIVE_TIMEOUT + 10)
                .isGreaterThanOrEqualTo(HttpClientOptions.DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT + 10)
                .isGreaterThanOrEqualTo(prometheusScrapeInterval + 10)
                .isLessThanOrEqualTo(2 * prometheusScrapeInterval - 10);
    }

    @Test
    void malformedRequestsLogOneLineWithoutAStackTrace() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            get(h1, secure.actualPort(), BASE + "queue_outstanding?labelSelector=%zz");
            get(h2, secure.actualPort(), BASE + "queue%zzoutstanding");
            get(h1, secure.actualPort(), BASE + "queue_outstanding?labelSelector=" + "a".repeat(20_000));
            raw(management.actualPort(), "GET /metrics?x=%zz HTTP/1.1", null);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception:").doesNotContain("ERROR");
        assertThat(log.lines().count()).as(log).isLessThanOrEqualTo(4);
    }

    /** The adapter's certificate is self-signed. */
    private static SSLContext trustAll() throws Exception {
        X509TrustManager any = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {any}, new SecureRandom());
        return context;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
