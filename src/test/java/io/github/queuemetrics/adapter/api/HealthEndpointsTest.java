package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.management.ManagementRouter;
import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} and {@code /livez} on both ports (the secure port's router served over plain
 * HTTP here: TLS is not what this tests). Readiness is the ability to serve; broker health does
 * not make the pod unready.
 */
class HealthEndpointsTest {

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer management;
    private HttpServer secure;

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    static SourceConfig config(String name) {
        return new SourceConfig(name, SourceType.RQ, null, null, null, URI.create("redis://localhost:6379/1"),
                List.of("default"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(30),
                null, null, null);
    }

    private void serve(MetricStore store) throws Exception {
        Router managementRouter = ManagementRouter.create(vertx, store, new AdapterMetrics(store, new WorkerDirectory()),
                new WorkerDirectory());
        management = await(vertx.createHttpServer().requestHandler(managementRouter).listen(0));
        secure = await(vertx.createHttpServer().requestHandler(ExternalMetricsRouter.create(vertx, store, null))
                .listen(0));
    }

    private HttpResponse<String> get(HttpServer server, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.actualPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFailingSourceDoesNotMakeThePodUnreadyAndTheBodySaysWhy() throws Exception {
        MetricStore store = new MetricStore(List.of(config("good"), config("down")), Clock.systemUTC());
        store.recordSuccess(new SourceSnapshot("good", Instant.now(), List.of(
                QueueSample.builder("good", "default").value(QueueMetric.OUTSTANDING, 1).build())));
        store.recordFailure("down", "Connection refused: localhost/127.0.0.1:6390");
        serve(store);

        for (HttpServer server : List.of(management, secure)) {
            HttpResponse<String> ready = get(server, "/readyz");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                    .startsWith("text/plain"));
            assertThat(ready.body()).contains("source good").contains("source down")
                    .contains("Connection refused: localhost/127.0.0.1:6390");
            assertThat(get(server, "/livez").statusCode()).isEqualTo(200);
        }
        // the broker's health stays visible where it matters: its metric requests answer 503
        HttpResponse<String> metric = get(secure,
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_outstanding?labelSelector=source%3Ddown");
        assertThat(metric.statusCode()).isEqualTo(503);
        assertThat(get(management, "/metrics").body()).contains("adapter_source_up{source=\"down\"} 0.0");
    }

    @Test
    void notReadyUntilEverySourceHasFinishedItsFirstPollAttempt() throws Exception {
        MetricStore store = new MetricStore(List.of(config("good"), config("late")), Clock.systemUTC());
        store.recordSuccess(new SourceSnapshot("good", Instant.now(), List.of(
                QueueSample.builder("good", "default").value(QueueMetric.OUTSTANDING, 1).build())));
        serve(store);

        for (HttpServer server : List.of(management, secure)) {
            HttpResponse<String> ready = get(server, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("source late");
        }
        store.recordFailure("late", "timeout");
        for (HttpServer server : List.of(management, secure)) {
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void livezFailsWhenAPollerIsWedgedButNotWhenItsBrokerIsDown() throws Exception {
        AtomicLong ticker = new AtomicLong();
        MetricStore store = new MetricStore(List.of(config("stuck"), config("down")), Clock.systemUTC(), ticker::get);
        serve(store);
        Duration limit = Liveness.wedgedAfter(Duration.ofSeconds(5));
        assertThat(limit).isEqualTo(Duration.ofSeconds(65)); // max(3 x 5 s, 5 s + 60 s)

        ticker.addAndGet(limit.toNanos());
        store.recordFailure("down", "Connection refused"); // a fast failure is an attempt
        for (HttpServer server : List.of(management, secure)) {
            assertThat(get(server, "/livez").statusCode()).isEqualTo(200);
        }

        // "stuck" has not finished a poll attempt since polling was set up, and "down" keeps failing
        for (int i = 0; i < 3; i++) {
            ticker.addAndGet(Duration.ofSeconds(5).toNanos());
            store.recordFailure("down", "Connection refused");
        }
        for (HttpServer server : List.of(management, secure)) {
            HttpResponse<String> live = get(server, "/livez");
            assertThat(live.statusCode()).isEqualTo(503);
            assertThat(live.body()).contains("[-]source stuck: poller wedged: no poll attempt finished for 80s "
                    + "(limit 65s)").doesNotContain("source down").endsWith("livez check failed");
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void longPollIntervalsScaleTheWedgeLimit() {
        assertThat(Liveness.wedgedAfter(Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(3));
        assertThat(Liveness.wedgedAfter(Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(60_500));
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
