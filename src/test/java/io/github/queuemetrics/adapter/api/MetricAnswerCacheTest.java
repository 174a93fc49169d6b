package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kept metric answers never outlive what they were computed from: a new poll, a failed poll or a
 * source going stale is seen by the next request, over real HTTPS.
 */
@ExtendWith(VertxExtension.class)
class MetricAnswerCacheTest {

    private static final Duration MAX_STALENESS = Duration.ofSeconds(30);
    private static final String URL = "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/queue_outstanding"
            + "?labelSelector=source%3Drq%2Cqueue%3Ddefault";

    private final AtomicLong ticker = new AtomicLong();
    private MetricStore store;
    private HttpServer server;
    private WebClient client;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        store = new MetricStore(List.of(rq("rq", List.of()), rq("elsewhere", List.of("other-ns"))),
                Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC), ticker::get);
        server = SecureServer.start(vertx, ApiServerFactory.router(vertx, store, null), 0,
                TlsOptions.selfSigned(List.of())).await(30, TimeUnit.SECONDS);
        client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close().await(30, TimeUnit.SECONDS);
    }

    private static SourceConfig rq(String name, List<String> namespaces) {
        return new SourceConfig(name, SourceType.RQ, null, null, null, URI.create("redis://localhost:6390/1"),
                List.of("default"), null, WorkerKind.NONE, namespaces, Duration.ofSeconds(5), MAX_STALENESS,
                null, null, null);
    }

    private void poll(String source, int outstanding) {
        store.recordSuccess(new SourceSnapshot(source, Instant.parse("2026-12-07T11:59:59Z"), List.of(
                QueueSample.builder(source, "default").value(QueueMetric.OUTSTANDING, outstanding).build())));
    }

    private HttpResponse<Buffer> get() throws Exception {
        return client.get(server.actualPort(), "127.0.0.1", URL).send().await(30, TimeUnit.SECONDS);
    }

    @Test
    void aNewPollAFailedPollAndStalenessAreSeenByTheNextRequest() throws Exception {
        poll("rq", 4);
        assertThat(get().bodyAsString()).contains("\"value\":\"4\"");
        assertThat(get().bodyAsString()).contains("\"value\":\"4\""); // the kept answer

        poll("rq", 7);
        assertThat(get().bodyAsString()).as("after a new poll").contains("\"value\":\"7\"");

        ticker.addAndGet(MAX_STALENESS.toNanos()); // on the edge: still fresh
        assertThat(get().statusCode()).isEqualTo(200);
        store.recordFailure("rq", "Connection refused");
        assertThat(get().bodyAsString()).as("a failed poll keeps the last good value").contains("\"value\":\"7\"");
        ticker.addAndGet(1);
        HttpResponse<Buffer> stale = get();
        assertThat(stale.statusCode()).as("the source went stale: %s", stale.bodyAsString()).isEqualTo(503);
    }

    @Test
    void aSourceInAnotherNamespaceDoesNotShortenAnAnswersLife() {
        poll("elsewhere", 1); // visible only to other-ns, stale 30 s from now
        ticker.addAndGet(MAX_STALENESS.toNanos() / 2);
        poll("rq", 4); // stale 45 s from the start
        assertThat(store.freshUntil("workers")).isEqualTo(MAX_STALENESS.toNanos() * 3 / 2);
        assertThat(store.freshUntil("other-ns")).isEqualTo(MAX_STALENESS.toNanos());
    }

    @Test
    void keptAnswersAreBoundedWhateverURIsAClientMakesUp() throws Exception {
        poll("rq", 4);
        MetricAnswerCache cache = new MetricAnswerCache(store);
        Buffer body = Buffer.buffer("{}");
        for (int i = 0; i < MetricAnswerCache.MAX_ENTRIES * 3; i++) {
            cache.put(URL + "&n=" + i, "workers", store.version(), body);
        }
        assertThat(cache.size()).isLessThanOrEqualTo(MetricAnswerCache.MAX_ENTRIES);
        assertThat(cache.get(URL + "&n=" + (MetricAnswerCache.MAX_ENTRIES * 3 - 1))).isSameAs(body);
        ticker.addAndGet(MAX_STALENESS.toNanos() + 1);
        assertThat(cache.get(URL + "&n=" + (MetricAnswerCache.MAX_ENTRIES * 3 - 1))).as("stale").isNull();
    }
}
