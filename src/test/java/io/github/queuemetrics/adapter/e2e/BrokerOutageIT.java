package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.testsupport.WireSchema;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * A real broker outage as the adapter sees it: each source reaches its broker through a
 * {@link TcpProxy} that the test blocks (connections dropped, new ones refused) and unblocks.
 * The adapter must keep serving the last values until maxStaleness, then answer 503 naming the
 * source and the reason (never a made-up 0), report it in the /readyz body and on /metrics while
 * the pod stays ready, leave the other sources alone, and recover by itself once the broker is back.
 */
class BrokerOutageIT {

    private static final String REDIS_QUEUE = "e2e-outage-redis";
    private static final String RABBIT_QUEUE = "e2e-outage-rabbit";
    private static final String RQ_QUEUE = "e2e-outage-rq";
    private static final Duration MAX_STALENESS = Duration.ofSeconds(3);

    private static URI amqp;
    private static URI management;
    private static URI redisUri;
    private static Jedis redis;
    private static TcpProxy redisProxy;
    private static TcpProxy rqProxy;
    private static TcpProxy amqpProxy;
    private static TcpProxy managementProxy;
    private static Adapter adapter;
    private static MetricsApi api;

    @BeforeAll
    static void start() throws Exception {
        amqp = Brokers.rabbitVhost(E2e.VHOST);
        management = Brokers.rabbitManagementUri();
        redisUri = Brokers.redisUri(E2e.REDIS_DB);
        redis = E2e.redis(redisUri);
        cleanUp();
        CompletableFuture.allOf(
                CompletableFuture.runAsync(() -> CeleryWorker.enqueue(redisUri.toString(), REDIS_QUEUE, 5, 1, null)),
                CompletableFuture.runAsync(() -> CeleryWorker.enqueue(Brokers.celeryBrokerUrl(amqp), RABBIT_QUEUE, 4, 1,
                        null)),
                CompletableFuture.runAsync(() -> RqWorker.enqueue(redisUri.toString(), RQ_QUEUE, 3, 1))).join();
        // the management API's statistics of a new queue lag by up to 5 s
        await("the brokers show the enqueued tasks").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(List.of(brokerOutstanding("redis"), brokerOutstanding("rabbit"),
                        brokerOutstanding("rq"))).containsExactly(5L, 4L, 3L));

        redisProxy = new TcpProxy(redisUri.getHost(), redisUri.getPort());
        rqProxy = new TcpProxy(redisUri.getHost(), redisUri.getPort());
        amqpProxy = new TcpProxy(amqp.getHost(), amqp.getPort() < 0 ? 5672 : amqp.getPort());
        managementProxy = new TcpProxy(management.getHost(), management.getPort());
        adapter = E2e.startAdapter("""
                pollInterval: 500ms
                maxStaleness: 3s
                sources:
                  - name: redis
                    type: celery-redis
                    uri: %s
                    queues: [%s]
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s]
                  - name: rq
                    type: rq
                    uri: %s
                    queues: [%s]
                """.formatted(through(redisUri, redisProxy), REDIS_QUEUE, through(amqp, amqpProxy),
                through(management, managementProxy), RABBIT_QUEUE, through(redisUri, rqProxy), RQ_QUEUE));
        api = new MetricsApi(adapter.securePort(), HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (adapter != null) {
            adapter.stop();
        }
        for (TcpProxy proxy : new TcpProxy[] {redisProxy, rqProxy, amqpProxy, managementProxy}) {
            if (proxy != null) {
                proxy.close();
            }
        }
        if (redis != null) {
            cleanUp();
            redis.close();
        }
    }

    private static void cleanUp() {
        Cleanup.redisDb(redis, E2e.REDIS_DB);
        Cleanup.rabbitQueues(management, amqp.getUserInfo(), E2e.VHOST, List.of(RABBIT_QUEUE));
    }

    /** The same URI with host and port of the proxy. */
    private static URI through(URI uri, TcpProxy proxy) {
        return URI.create(uri.getScheme() + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@")
                + "127.0.0.1:" + proxy.port() + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }

    private static List<TcpProxy> proxiesOf(String source) {
        return switch (source) {
            case "redis" -> List.of(redisProxy);
            case "rq" -> List.of(rqProxy);
            case "rabbit" -> List.of(amqpProxy, managementProxy);
            default -> throw new IllegalArgumentException(source);
        };
    }

    /** The proxy whose address the source's poll errors name (RabbitMQ: the management API's). */
    private static TcpProxy endpointProxy(String source) {
        List<TcpProxy> proxies = proxiesOf(source);
        return proxies.get(proxies.size() - 1);
    }

    /** queue_outstanding of the source's queue, read from the broker directly (not through the proxy). */
    private static long brokerOutstanding(String source) {
        return switch (source) {
            case "redis" -> BrokerReads.celeryRedis(redis, REDIS_QUEUE).get("queue_outstanding");
            case "rq" -> BrokerReads.rq(redis, RQ_QUEUE).get("queue_outstanding");
            case "rabbit" -> BrokerReads.rabbit(management, amqp.getUserInfo(), E2e.VHOST, RABBIT_QUEUE)
                    .get("queue_outstanding");
            default -> throw new IllegalArgumentException(source);
        };
    }

    private static PromText scrape() {
        return PromText.parse(MetricsApi.management(adapter.managementPort(), "/metrics").body());
    }

    private static double promValue(PromText scrape, String name, String source) {
        return scrape.value(name, Map.of("source", source)).orElseThrow(() -> new AssertionError(name + " missing"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "rabbit", "rq"})
    void servesTheLastValuesUntilMaxStalenessThen503AndRecoversByItself(String source) throws Exception {
        String selector = "source=" + source;
        // Healthy: the served value is the broker's (no worker runs, so it stands still).
        long truth = brokerOutstanding(source);
        assertThat(truth).as("tasks enqueued on " + source).isPositive();
        Wire.Item before = api.itemsNewerThan("default", "queue_outstanding", selector, Instant.now()).get(0);
        assertThat(before.value().longValueExact()).isEqualTo(truth);
        await().atMost(Duration.ofSeconds(10)).until(() -> MetricsApi.management(adapter.managementPort(), "/readyz")
                .status() == 200);
        double errorsBefore = promValue(scrape(), "adapter_poll_errors_total", source);

        HpaSimulator hpa = new HpaSimulator(HpaSimulator.TargetType.AVERAGE_VALUE, 1000, 1, 20, (int) truth);
        HpaSimulator madeUpZero = new HpaSimulator(HpaSimulator.TargetType.AVERAGE_VALUE, 1000, 1, 20, (int) truth);
        long second = 0;
        hpa.sync(second, new HpaSimulator.Values(List.of(before.milli())), (int) truth);
        madeUpZero.sync(second, new HpaSimulator.Values(List.of(before.milli())), (int) truth);

        for (TcpProxy proxy : proxiesOf(source)) {
            proxy.block();
        }
        Instant blockedAt = Instant.now();
        List<Wire.Item> staleButServed = new ArrayList<>();
        MetricsApi.Answer unavailable;
        while (true) {
            MetricsApi.Answer answer = api.metric("default", "queue_outstanding", selector);
            Instant at = Instant.now();
            if (answer.status() == 200) {
                Wire.Item item = Wire.items(answer.body()).get(0);
                assertThat(item.value().longValueExact()).as("last value, kept during the outage").isEqualTo(truth);
                assertThat(item.timestamp()).as("the old timestamp").isBeforeOrEqualTo(blockedAt);
                assertThat(Duration.between(item.timestamp(), at)).as("served past maxStaleness")
                        .isLessThanOrEqualTo(MAX_STALENESS.plusSeconds(2));
                staleButServed.add(item);
                HpaSimulator.Values values = new HpaSimulator.Values(List.of(item.milli()));
                second += 15;
                hpa.sync(second, values, hpa.replicas());
                madeUpZero.sync(second, values, madeUpZero.replicas());
            } else {
                unavailable = answer;
                break;
            }
            assertThat(Duration.between(blockedAt, at)).as("503 once maxStaleness has passed")
                    .isLessThan(MAX_STALENESS.plusSeconds(4));
            MetricsApi.sleep(250);
        }
        assertThat(Duration.between(blockedAt, Instant.now())).as("the last values were served for a while")
                .isGreaterThanOrEqualTo(MAX_STALENESS.minusMillis(1500));
        assertThat(staleButServed).as("answers with the last values after the broker went away").isNotEmpty();

        // 503 Status JSON naming the source and why.
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.contentType()).startsWith("application/json");
        WireSchema.StatusBody status = Wire.status(unavailable.body(), 503);
        assertThat(status.reason()).isEqualTo("ServiceUnavailable");
        assertThat(status.message()).contains("source " + source).contains("stale")
                .contains("maxStaleness 3s");
        // the cause of the failed polls names the endpoint that went away
        assertThat(status.message().substring(status.message().indexOf("maxStaleness 3s)")))
                .contains("127.0.0.1:" + endpointProxy(source).port());
        System.out.println("503 while " + source + " is down: " + status.message());

        // The pod stays ready (one stale source must not take the APIService away from every HPA);
        // /readyz says which source is stale and why.
        String neighbour = source.equals("rq") ? "redis" : "rq";
        for (MetricsApi.Answer ready : List.of(MetricsApi.management(adapter.managementPort(), "/readyz"),
                api.get("/readyz"))) {
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("[!]source " + source + " is stale")
                    .contains("127.0.0.1:" + endpointProxy(source).port())
                    .contains("[+]source " + neighbour + " is fresh");
        }
        assertThat(MetricsApi.management(adapter.managementPort(), "/livez").status())
                .as("a broker that is down does not wedge the poller").isEqualTo(200);

        PromText down = scrape();
        assertThat(promValue(down, "adapter_source_up", source)).isEqualTo(0);
        assertThat(promValue(down, "adapter_poll_errors_total", source)).isGreaterThan(errorsBefore);
        assertThat(down.find("queue_outstanding", Map.of("source", source))).as("no stale gauge").isEmpty();
        for (String other : List.of("redis", "rabbit", "rq")) {
            if (!other.equals(source)) {
                assertThat(promValue(down, "adapter_source_up", other)).as(other + " is unaffected").isEqualTo(1);
                assertThat(api.items("default", "queue_outstanding", "source=" + other)).isNotEmpty();
            }
        }

        // The HPA during the outage: 503s keep the current size; a made-up 0 would scale down.
        HpaSimulator.Failure failure = new HpaSimulator.Failure(status.message());
        HpaSimulator.Values zero = new HpaSimulator.Values(List.of(0L));
        for (int i = 0; i < 30; i++) {
            second += 15;
            hpa.sync(second, failure, hpa.replicas());
            madeUpZero.sync(second, zero, madeUpZero.replicas());
            assertThat(hpa.replicas()).as("replicas at t=" + second + "s of the outage").isEqualTo((int) truth);
        }
        assertThat(hpa.lastCondition()).startsWith("ScalingActive=False FailedGetExternalMetric");
        assertThat(madeUpZero.replicas()).as("a made-up 0 would have scaled down").isEqualTo(1);

        // The broker comes back: the next polls recover by themselves.
        for (TcpProxy proxy : proxiesOf(source)) {
            proxy.unblock();
        }
        Instant unblockedAt = Instant.now();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> MetricsApi.management(adapter.managementPort(), "/readyz").body()
                        .contains("[+]source " + source + " is fresh"));
        Wire.Item after = api.itemsNewerThan("default", "queue_outstanding", selector, unblockedAt).get(0);
        assertThat(after.value().longValueExact()).isEqualTo(brokerOutstanding(source));
        assertThat(api.get("/readyz").status()).isEqualTo(200);
        assertThat(promValue(scrape(), "adapter_source_up", source)).isEqualTo(1);
    }
}
