package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.testsupport.WireSchema;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ApiGroup;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ApiGroupList;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ApiResource;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ApiResourceList;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ExternalMetricValue;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ExternalMetricValueList;
import io.github.queuemetrics.adapter.testsupport.WireSchema.GroupVersion;
import io.github.queuemetrics.adapter.testsupport.WireSchema.StatusBody;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The secure port end to end, over real HTTPS (HTTP/1.1 and HTTP/2), called the way the HPA's
 * client-go calls it, with a {@link MetricStore} filled with fake snapshots (no broker).
 */
@ExtendWith(VertxExtension.class)
class ExternalMetricsApiTest {

    /** What kube-controller-manager's rest client sends (ContentType protobuf + ", *}{@code /*}"). */
    private static final String HPA_ACCEPT = "application/vnd.kubernetes.protobuf, */*";
    private static final String BASE = "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/";

    private static final Instant NOW = Instant.parse("2025-01-15T10:30:00Z");
    private static final Instant TAKEN = Instant.parse("2025-01-15T10:29:58.750Z");

    private static Vertx vertx;
    private static HttpServer healthy;
    private static HttpServer degraded;
    private static HttpServer guarded;
    private static final Map<HttpVersion, WebClient> CLIENTS = new EnumMap<>(HttpVersion.class);
    /** Request URIs exactly as they arrived at the healthy server. */
    private static final List<String> RAW_URIS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServers(Vertx v) throws Exception {
        vertx = v;
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

        MetricStore healthyStore = new MetricStore(List.of(rabbitConfig(), redisConfig()), clock);
        healthyStore.recordSuccess(rabbitSnapshot());
        healthyStore.recordSuccess(redisSnapshot());
        Router healthyRouter = ApiServerFactory.router(vertx, healthyStore, null);
        healthyRouter.route().order(-1).handler(ctx -> {
            RAW_URIS.add(ctx.request().uri());
            ctx.next();
        });
        healthy = await(SecureServer.start(vertx, healthyRouter, 0, TlsOptions.selfSigned(List.of())));

        // Staleness runs on a monotonic ticker: rq's last good poll completed 10 minutes before "now".
        AtomicLong ticker = new AtomicLong();
        MetricStore degradedStore = new MetricStore(List.of(rabbitConfig(), rqConfig("rq"), rqConfig("late")), clock,
                ticker::get);
        degradedStore.recordSuccess(new SourceSnapshot("rq", NOW.minus(Duration.ofMinutes(10)), List.of(
                QueueSample.builder("rq", "default").value(QueueMetric.OUTSTANDING, 4).build())));
        ticker.addAndGet(Duration.ofMinutes(10).toNanos());
        degradedStore.recordSuccess(rabbitSnapshot());
        degradedStore.recordFailure("rq", "Connection refused: localhost/127.0.0.1:6390");
        degraded = await(ApiServerFactory.start(vertx, degradedStore, null, 0, TlsOptions.selfSigned(List.of())));

        Handler<RoutingContext> guard = ctx -> {
            if (ctx.request().getHeader("X-Remote-User") == null) {
                JsonResponses.status(ctx, Status.unauthorized());
            } else {
                ctx.next();
            }
        };
        guarded = await(ApiServerFactory.start(vertx, healthyStore, guard, 0, TlsOptions.selfSigned(List.of())));

        for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
            CLIENTS.put(version, WebClient.create(vertx, new WebClientOptions()
                    .setSsl(true).setTrustAll(true).setVerifyHost(false)
                    .setUseAlpn(true).setProtocolVersion(version)));
        }
    }

    @AfterAll
    static void stopServers() throws Exception {
        CLIENTS.values().forEach(WebClient::close);
        for (HttpServer server : List.of(healthy, degraded, guarded)) {
            await(server.close());
        }
    }

    static Stream<HttpVersion> protocols() {
        return Stream.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2);
    }

    // ---- metric values ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("protocols")
    void setSelectorEncodedLikeGoSelectsThoseQueues(HttpVersion version) throws Exception {
        String uri = BASE + "queue_outstanding?labelSelector=queue+in+%28a%2Cb%29";
        Reply reply = get(version, healthy, uri);

        assertThat(RAW_URIS).contains(uri); // the '+' and %-escapes went over the wire unchanged
        ExternalMetricValueList list = reply.okList(version);
        assertThat(list.items()).extracting(i -> i.metricLabels().get("queue")).containsExactly("a", "b");
        assertThat(list.items()).extracting(ExternalMetricValue::value).containsExactly("3", "1500");
        assertThat(list.items().get(0).metricLabels())
                .isEqualTo(Map.of("source", "rabbit", "queue", "a", "vhost", "orders"));
        assertThat(list.items()).allSatisfy(item -> {
            assertThat(item.metricName()).isEqualTo("queue_outstanding");
            assertThat(item.timestamp()).isEqualTo("2025-01-15T10:29:58Z");
            assertThat(item.window()).isNull();
        });
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void matchLabelsSelectorSelectsOneQueue(HttpVersion version) throws Exception {
        ExternalMetricValueList list = get(version, healthy, BASE + "queue_outstanding?labelSelector=source%3Drabbit%2Cqueue%3Dx")
                .okList(version);
        assertThat(list.items()).singleElement().satisfies(item -> {
            assertThat(item.metricLabels()).containsEntry("queue", "x").containsEntry("source", "rabbit");
            assertThat(item.value()).isEqualTo("12");
        });
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void absentSelectorReturnsEveryQueue(HttpVersion version) throws Exception {
        ExternalMetricValueList list = get(version, healthy, BASE + "queue_outstanding").okList(version);
        assertThat(list.items()).extracting(i -> i.metricLabels().get("source") + "/" + i.metricLabels().get("queue"))
                .containsExactly("rabbit/a", "rabbit/b", "rabbit/x", "redis/celery");
        // What the HPA computes: the sum of MilliValue() over the items.
        BigDecimal sum = list.items().stream().map(i -> quantity(i.value())).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(sum).isEqualByComparingTo("3515");
        assertThat(list.items()).extracting(ExternalMetricValue::value).contains("2k");
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void fractionsAreMilliQuantitiesRoundedUp(HttpVersion version) throws Exception {
        ExternalMetricValueList list = get(version, healthy,
                BASE + "workers_utilization?labelSelector=source%3Drabbit").okList(version);
        assertThat(list.items()).extracting(ExternalMetricValue::value).containsExactly("334m", "0", "1");
        assertThat(quantity(list.items().get(0).value())).isEqualByComparingTo("0.334");
    }

    @Test
    void metricNameInThePathIsUrlDecoded() throws Exception {
        ExternalMetricValueList list = get(HttpVersion.HTTP_2, healthy, BASE + "queue%5Foutstanding?labelSelector=source%3Dredis")
                .okList(HttpVersion.HTTP_2);
        assertThat(list.items()).singleElement().satisfies(i -> assertThat(i.metricName()).isEqualTo("queue_outstanding"));
    }

    @Test
    void spacesEncodedAsPercentTwentyAreAcceptedToo() throws Exception {
        ExternalMetricValueList list = get(HttpVersion.HTTP_1_1, healthy,
                BASE + "queue_ready?labelSelector=queue%20notin%20(a,b),source=rabbit").okList(HttpVersion.HTTP_1_1);
        assertThat(list.items()).extracting(i -> i.metricLabels().get("queue")).containsExactly("x");
    }

    // ---- errors ----------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("protocols")
    void selectorMatchingNothingIs404ListingKnownQueues(HttpVersion version) throws Exception {
        StatusBody status = get(version, healthy, BASE + "queue_outstanding?labelSelector=queue%3Dshort-runing-tasks")
                .status(404, "NotFound");
        assertThat(status.message()).contains("no queue matches the selector")
                .contains("source=rabbit,queue=a,vhost=orders")
                .contains("source=redis,queue=celery");
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void malformedSelectorIs400(HttpVersion version) throws Exception {
        StatusBody status = get(version, healthy, BASE + "queue_outstanding?labelSelector=queue+in+%28a")
                .status(400, "BadRequest");
        assertThat(status.message()).isEqualTo("unable to parse requirement: found '', expected: ',' or ')'");
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void unknownMetricIs404ListingKnownMetrics(HttpVersion version) throws Exception {
        StatusBody status = get(version, healthy, BASE + "queue_depth").status(404, "NotFound");
        assertThat(status.message()).startsWith("the server could not find the metric queue_depth for namespace workers")
                .contains(Arrays.stream(QueueMetric.values()).map(QueueMetric::metricName).toArray(String[]::new));
    }

    @Test
    void metricTheSourceDoesNotMeasureIs404() throws Exception {
        StatusBody status = get(HttpVersion.HTTP_2, healthy, BASE + "workers_utilization?labelSelector=source%3Dredis")
                .status(404, "NotFound");
        assertThat(status.message()).contains("not measured for redis/celery");
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void staleSourceIs503SayingWhichAndWhy(HttpVersion version) throws Exception {
        Reply reply = get(version, degraded, BASE + "queue_outstanding?labelSelector=source%3Drq");
        StatusBody status = reply.status(503, "ServiceUnavailable");
        assertThat(status.message()).contains("source rq is stale")
                .contains("last successful poll 600s ago (maxStaleness 30s)")
                .contains("Connection refused: localhost/127.0.0.1:6390");
    }

    @Test
    void absentSelectorIs503WhileAnySourceIsStale() throws Exception {
        StatusBody status = get(HttpVersion.HTTP_2, degraded, BASE + "queue_outstanding").status(503, "ServiceUnavailable");
        assertThat(status.message()).contains("source rq is stale").contains("source late has not been polled successfully yet");
    }

    @Test
    void freshSourceIsServedNextToAStaleOne() throws Exception {
        ExternalMetricValueList list = get(HttpVersion.HTTP_2, degraded,
                BASE + "queue_outstanding?labelSelector=source%3Drabbit").okList(HttpVersion.HTTP_2);
        assertThat(list.items()).hasSize(3);
    }

    @Test
    void invalidValueIs500NotANumber() throws Exception {
        StatusBody status = get(HttpVersion.HTTP_2, healthy, BASE + "queue_arrival_rate?labelSelector=source%3Dredis")
                .status(500, "InternalError");
        assertThat(status.message()).startsWith("Internal error occurred: invalid value for metric queue_arrival_rate")
                .contains("NaN");
        assertThat(status.details()).containsKey("causes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/openapi/v2", "/openapi/v3", "/version/nope", "/apis/metrics.k8s.io/v1beta1",
            "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers"})
    void unservedPathsAre404Status(String path) throws Exception {
        for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
            get(version, healthy, path).status(404, "NotFound");
        }
    }

    @Test
    void otherMethodsAre405Status() throws Exception {
        Reply reply = send(HttpVersion.HTTP_2, healthy, HttpMethod.POST, BASE + "queue_outstanding", HPA_ACCEPT, MultiMap.caseInsensitiveMultiMap());
        reply.status(405, "MethodNotAllowed");
    }

    // ---- discovery -------------------------------------------------------------------------------

    static Stream<Arguments> acceptHeaders() {
        return Stream.of(HPA_ACCEPT, "application/json, */*", "application/json;as=Table;v=v1;g=meta.k8s.io",
                        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "text/html", null)
                .flatMap(accept -> protocols().map(version -> Arguments.of(version, accept)));
    }

    @ParameterizedTest(name = "[{index}] {0} Accept: {1}")
    @MethodSource("acceptHeaders")
    void discoveryDocumentsHaveTheExactShape(HttpVersion version, String accept) throws Exception {
        String groupVersion = "{\"groupVersion\":\"external.metrics.k8s.io/v1beta1\",\"version\":\"v1beta1\"}";

        Reply apis = send(version, healthy, HttpMethod.GET, "/apis", accept, MultiMap.caseInsensitiveMultiMap());
        apis.assertJson(200, version);
        assertThat(apis.body()).isEqualTo("{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{"
                + "\"name\":\"external.metrics.k8s.io\",\"versions\":[" + groupVersion + "],"
                + "\"preferredVersion\":" + groupVersion + "}]}");
        ApiGroupList list = WireSchema.decode(apis.body(), ApiGroupList.class);
        assertThat(list.groups()).singleElement().satisfies(g -> assertThat(g.kind()).isNull());

        Reply group = send(version, healthy, HttpMethod.GET, "/apis/external.metrics.k8s.io", accept,
                MultiMap.caseInsensitiveMultiMap());
        group.assertJson(200, version);
        assertThat(group.body()).isEqualTo("{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"external.metrics.k8s.io\","
                + "\"versions\":[" + groupVersion + "],\"preferredVersion\":" + groupVersion + "}");
        ApiGroup apiGroup = WireSchema.decode(group.body(), ApiGroup.class);
        assertThat(apiGroup.preferredVersion()).isEqualTo(new GroupVersion("external.metrics.k8s.io/v1beta1", "v1beta1"));

        Reply resources = send(version, healthy, HttpMethod.GET, "/apis/external.metrics.k8s.io/v1beta1", accept,
                MultiMap.caseInsensitiveMultiMap());
        resources.assertJson(200, version);
        ApiResourceList resourceList = WireSchema.decode(resources.body(), ApiResourceList.class);
        assertThat(resourceList.kind()).isEqualTo("APIResourceList");
        assertThat(resourceList.apiVersion()).isEqualTo("v1");
        assertThat(resourceList.groupVersion()).isEqualTo("external.metrics.k8s.io/v1beta1");
        assertThat(resourceList.resources()).extracting(ApiResource::name)
                .containsExactly(Arrays.stream(QueueMetric.values()).map(QueueMetric::metricName).toArray(String[]::new));
        assertThat(resourceList.resources()).allSatisfy(r -> {
            assertThat(r.singularName()).isEmpty();
            assertThat(r.namespaced()).isTrue();
            assertThat(r.kind()).isEqualTo("ExternalMetricValueList");
            assertThat(r.verbs()).containsExactly("get");
        });
    }

    // ---- health and the auth hook ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/livez", "/readyz"})
    void healthPathsAnswer200AsText(String path) throws Exception {
        for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
            Reply reply = get(version, healthy, path);
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.contentType()).startsWith("text/plain");
            switch (path) {
                case "/healthz" -> assertThat(reply.body()).isEqualTo("ok");
                case "/livez" -> assertThat(reply.body()).isEqualTo("livez check passed");
                default -> assertThat(reply.body().lines()).hasSize(3)
                        .anySatisfy(l -> assertThat(l).matches("\\[\\+]source rabbit is fresh: last successful poll \\d+s ago"))
                        .anySatisfy(l -> assertThat(l).matches("\\[\\+]source redis is fresh: last successful poll \\d+s ago"))
                        .last().isEqualTo("readyz check passed");
            }
        }
    }

    @Test
    void readyzListsEachSourceAndWhyAndFailsOnlyBeforeTheFirstPollAttempt() throws Exception {
        Reply reply = get(HttpVersion.HTTP_1_1, degraded, "/readyz");
        assertThat(reply.code()).isEqualTo(503);
        assertThat(reply.contentType()).startsWith("text/plain");
        assertThat(reply.body().lines()).containsExactly(
                "[+]source rabbit is fresh: last successful poll 0s ago",
                "[!]source rq is stale: last successful poll 600s ago (maxStaleness 30s): "
                        + "Connection refused: localhost/127.0.0.1:6390 (its metric requests answer 503)",
                "[-]source late: first poll not finished yet",
                "readyz check failed");
        // ten minutes without a finished attempt: "late" is wedged; rq's failing polls are attempts
        Reply live = get(HttpVersion.HTTP_1_1, degraded, "/livez");
        assertThat(live.code()).isEqualTo(503);
        assertThat(live.body().lines()).containsExactly(
                "[-]source late: poller wedged: no poll attempt finished for 600s (limit 65s)", "livez check failed");
    }

    @Test
    void guardRunsBeforeApiRoutesButNotBeforeHealth() throws Exception {
        for (String path : List.of("/apis", "/apis/external.metrics.k8s.io/v1beta1", BASE + "queue_outstanding",
                "/openapi/v2", "/no/such/path")) {
            get(HttpVersion.HTTP_2, guarded, path).status(401, "Unauthorized");
        }
        for (String path : List.of("/healthz", "/livez", "/readyz")) {
            assertThat(get(HttpVersion.HTTP_2, guarded, path).code()).isEqualTo(200);
        }
        MultiMap identity = MultiMap.caseInsensitiveMultiMap().add("X-Remote-User", "system:kube-aggregator");
        send(HttpVersion.HTTP_2, guarded, HttpMethod.GET, "/apis/external.metrics.k8s.io/v1beta1", HPA_ACCEPT, identity)
                .assertJson(200, HttpVersion.HTTP_2);
        Reply metric = send(HttpVersion.HTTP_2, guarded, HttpMethod.GET, BASE + "queue_outstanding", HPA_ACCEPT, identity);
        assertThat(metric.okList(HttpVersion.HTTP_2).items()).hasSize(4);
    }

    // ---- fixtures --------------------------------------------------------------------------------

    private static SourceConfig rabbitConfig() {
        return new SourceConfig("rabbit", SourceType.RABBITMQ, URI.create("amqp://guest:secret@localhost:5672/orders"),
                null, List.of("orders"), null, List.of("a", "b", "x"), null, WorkerKind.CELERY, List.of(),
                Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
    }

    private static SourceConfig redisConfig() {
        return new SourceConfig("redis", SourceType.CELERY_REDIS, null, null, null, URI.create("redis://localhost:6379/0"),
                List.of("celery"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(30),
                null, null, null);
    }

    private static SourceConfig rqConfig(String name) {
        return new SourceConfig(name, SourceType.RQ, null, null, null, URI.create("redis://localhost:6390/1"),
                List.of("default", "high"), null, WorkerKind.RQ, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(30),
                null, null, null);
    }

    private static SourceSnapshot rabbitSnapshot() {
        return new SourceSnapshot("rabbit", TAKEN, List.of(
                rabbitQueue("a").value(QueueMetric.OUTSTANDING, 3).value(QueueMetric.READY, 2)
                        .value(QueueMetric.WORKERS_UTILIZATION, 0.3333).build(),
                rabbitQueue("b").value(QueueMetric.OUTSTANDING, 1500).value(QueueMetric.READY, 1500)
                        .value(QueueMetric.WORKERS_UTILIZATION, 0).build(),
                rabbitQueue("x").value(QueueMetric.OUTSTANDING, 12).value(QueueMetric.READY, 7)
                        .value(QueueMetric.WORKERS_UTILIZATION, 1).build()));
    }

    private static QueueSample.Builder rabbitQueue(String queue) {
        return QueueSample.builder("rabbit", queue).label(QueueSample.LABEL_VHOST, "orders");
    }

    /** The celery queue reports a NaN arrival rate, as a buggy source could. */
    private static SourceSnapshot redisSnapshot() {
        return new SourceSnapshot("redis", TAKEN, List.of(QueueSample.builder("redis", "celery")
                .value(QueueMetric.OUTSTANDING, 2000).value(QueueMetric.READY, 2000)
                .value(QueueMetric.ARRIVAL_RATE, Double.NaN).build()));
    }

    // ---- HTTP helpers ----------------------------------------------------------------------------

    private static Reply get(HttpVersion version, HttpServer server, String uri) throws Exception {
        return send(version, server, HttpMethod.GET, uri, HPA_ACCEPT, MultiMap.caseInsensitiveMultiMap());
    }

    private static Reply send(HttpVersion version, HttpServer server, HttpMethod method, String uri, String accept,
                              MultiMap headers) throws Exception {
        HttpRequest<io.vertx.core.buffer.Buffer> request = CLIENTS.get(version)
                .request(method, server.actualPort(), "localhost", uri);
        if (accept != null) {
            request.putHeader("Accept", accept);
        }
        request.putHeaders(headers);
        HttpResponse<io.vertx.core.buffer.Buffer> response = await(request.send());
        return new Reply(response.statusCode(), response.getHeader("Content-Type"),
                response.bodyAsString() == null ? "" : response.bodyAsString(), response.version(), response.headers());
    }

    private static BigDecimal quantity(String value) {
        return new io.fabric8.kubernetes.api.model.Quantity(value).getNumericalAmount();
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private record Reply(int code, String contentType, String body, HttpVersion version, MultiMap headers) {

        void assertJson(int expectedCode, HttpVersion expectedVersion) {
            assertThat(code).as("status of %s", body).isEqualTo(expectedCode);
            assertThat(contentType).isEqualTo("application/json");
            assertThat(version).isEqualTo(expectedVersion);
            assertThat(headers.contains("Retry-After")).isFalse();
        }

        /** A 200 ExternalMetricValueList, strictly decoded, with every value and timestamp parseable. */
        ExternalMetricValueList okList(HttpVersion expectedVersion) {
            assertJson(200, expectedVersion);
            ExternalMetricValueList list = WireSchema.decode(body, ExternalMetricValueList.class);
            assertThat(list.kind()).isEqualTo("ExternalMetricValueList");
            assertThat(list.apiVersion()).isEqualTo("external.metrics.k8s.io/v1beta1");
            assertThat(list.metadata()).isEmpty();
            assertThat(list.items()).isNotEmpty(); // an empty list is an error for the HPA
            for (ExternalMetricValue item : list.items()) {
                // Go parses metav1.Time with time.RFC3339
                OffsetDateTime ts = OffsetDateTime.parse(item.timestamp(), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
                assertThat(ts.getOffset()).isEqualTo(ZoneOffset.UTC);
                assertThat(item.timestamp()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
                assertThat(quantity(item.value())).isNotNegative();
            }
            return list;
        }

        /** A metav1.Status error body with the given code and reason. */
        StatusBody status(int expectedCode, String reason) {
            assertThat(code).as("status of %s", body).isEqualTo(expectedCode);
            assertThat(contentType).isEqualTo("application/json");
            assertThat(headers.contains("Retry-After")).isFalse();
            StatusBody status = WireSchema.decode(body, StatusBody.class);
            assertThat(status.kind()).isEqualTo("Status");
            assertThat(status.apiVersion()).isEqualTo("v1");
            assertThat(status.metadata()).isEmpty();
            assertThat(status.status()).isEqualTo("Failure");
            assertThat(status.reason()).isEqualTo(reason);
            assertThat(status.code()).isEqualTo(expectedCode);
            return status;
        }
    }
}
