package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.testsupport.WireSchema;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * The adapter as a user runs it, in-process, against the real local brokers: tasks enqueued by
 * the real Celery client on RabbitMQ and on Redis and held by real prefork workers with prefetch
 * ({@code -c 2}, prefetch multiplier 2, late ack, long sleeps), and RQ jobs run by real RQ
 * workers. Every number served over HTTPS, the way the HPA asks for it, must equal what the
 * brokers hold, read directly, at a moment when nothing moves.
 */
class AdapterIT {

    private static final String RABBIT_HELD = "e2e-rabbit-held";
    private static final String RABBIT_WAITING = "e2e-rabbit-waiting";
    private static final String REDIS_HELD = "e2e-redis-held";
    private static final String REDIS_PRIORITY = "e2e-redis-priority";
    private static final String RQ_QUEUE = "e2e-rq";
    /** Long enough that nothing finishes during the test; the workers are killed at the end. */
    private static final double TASK_SECONDS = 300;
    private static final int HELD_TASKS = 10;
    /** -c 2 with prefetch multiplier 2 and late ack: 2 running + 2 reserved, all unacknowledged. */
    private static final int PREFETCHED = 4;
    private static final int RQ_JOBS = 5;
    private static final int RQ_WORKERS = 2;

    private static final List<AutoCloseable> WORKERS = new ArrayList<>();
    private static URI amqp;
    private static URI management;
    private static URI redisUri;
    private static Jedis redis;
    private static Adapter adapter;
    private static MetricsApi http2;

    @BeforeAll
    static void start() throws Exception {
        amqp = Brokers.rabbitVhost(E2e.VHOST);
        management = Brokers.rabbitManagementUri();
        redisUri = Brokers.redisUri(E2e.REDIS_DB);
        redis = E2e.redis(redisUri);
        cleanUp();
        String rabbitUrl = Brokers.celeryBrokerUrl(amqp);
        String redisUrl = redisUri.toString();

        CompletableFuture.allOf(
                CompletableFuture.runAsync(() -> CeleryWorker.enqueue(rabbitUrl, RABBIT_HELD, HELD_TASKS, TASK_SECONDS, null)),
                CompletableFuture.runAsync(() -> CeleryWorker.enqueue(rabbitUrl, RABBIT_WAITING, 3, TASK_SECONDS, null)),
                CompletableFuture.runAsync(() -> CeleryWorker.enqueue(redisUrl, REDIS_HELD, HELD_TASKS, TASK_SECONDS, null)),
                CompletableFuture.runAsync(() -> {
                    // three priorities land in three of kombu's priority lists
                    for (int priority : new int[] {0, 5, 9}) {
                        CeleryWorker.enqueue(redisUrl, REDIS_PRIORITY, 3, TASK_SECONDS, priority);
                    }
                }),
                CompletableFuture.runAsync(() -> RqWorker.enqueue(redisUrl, RQ_QUEUE, RQ_JOBS, TASK_SECONDS))).join();

        List<CompletableFuture<AutoCloseable>> starting = new ArrayList<>();
        starting.add(CompletableFuture.supplyAsync(() -> CeleryWorker.start(CeleryWorker.Options.of(rabbitUrl,
                "e2e-rabbit@localhost", RABBIT_HELD).concurrency(2).prefetchMultiplier(2).acksLate(true))));
        starting.add(CompletableFuture.supplyAsync(() -> CeleryWorker.start(CeleryWorker.Options.of(redisUrl,
                "e2e-redis@localhost", REDIS_HELD).concurrency(2).prefetchMultiplier(2).acksLate(true))));
        for (int i = 0; i < RQ_WORKERS; i++) {
            String name = "e2e-rq-" + i;
            starting.add(CompletableFuture.supplyAsync(() -> RqWorker.start(redisUrl, name, RQ_QUEUE)));
        }
        for (CompletableFuture<AutoCloseable> worker : starting) {
            try {
                WORKERS.add(worker.join());
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
        }

        // The steady state: each worker holds what its prefetch allows (the management API's
        // statistics lag by up to 5 s).
        await("workers hold their prefetch").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rabbit(RABBIT_HELD).get("queue_unacked")).isEqualTo(PREFETCHED);
                    assertThat(rabbit(RABBIT_HELD).get("queue_ready")).isEqualTo(HELD_TASKS - PREFETCHED);
                    assertThat(BrokerReads.celeryRedis(redis, REDIS_HELD).get("queue_unacked")).isEqualTo(PREFETCHED);
                    assertThat(BrokerReads.rq(redis, RQ_QUEUE).get("queue_running")).isEqualTo(RQ_WORKERS);
                });

        adapter = E2e.startAdapter("""
                pollInterval: 500ms
                maxStaleness: 3s
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s, %s]
                  - name: redis
                    type: celery-redis
                    uri: %s
                    queues: [%s, %s]
                  - name: rq
                    type: rq
                    uri: %s
                    queues: [%s]
                    namespaces: [workers]
                """.formatted(amqp, management, RABBIT_HELD, RABBIT_WAITING, redisUri, REDIS_HELD, REDIS_PRIORITY,
                redisUri, RQ_QUEUE));
        http2 = new MetricsApi(adapter.securePort(), HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (adapter != null) {
            adapter.stop();
        }
        for (AutoCloseable worker : WORKERS) {
            if (worker instanceof CeleryWorker celery) {
                celery.kill();
            } else if (worker instanceof RqWorker rq) {
                rq.kill();
            }
        }
        WORKERS.clear();
        if (redis != null) {
            cleanUp();
            redis.close();
        }
    }

    private static void cleanUp() {
        Cleanup.redisDb(redis, E2e.REDIS_DB);
        Cleanup.rabbitQueues(management, amqp.getUserInfo(), E2e.VHOST, List.of(RABBIT_HELD, RABBIT_WAITING));
    }

    private static Map<String, Long> rabbit(String queue) {
        return BrokerReads.rabbit(management, amqp.getUserInfo(), E2e.VHOST, queue);
    }

    /** Every queue's counts, keyed "source/queue". */
    private static Map<String, Map<String, Long>> brokers() {
        Map<String, Map<String, Long>> all = new TreeMap<>();
        all.put("rabbit/" + RABBIT_HELD, rabbit(RABBIT_HELD));
        all.put("rabbit/" + RABBIT_WAITING, rabbit(RABBIT_WAITING));
        all.put("redis/" + REDIS_HELD, BrokerReads.celeryRedis(redis, REDIS_HELD));
        all.put("redis/" + REDIS_PRIORITY, BrokerReads.celeryRedis(redis, REDIS_PRIORITY));
        all.put("rq/" + RQ_QUEUE, BrokerReads.rq(redis, RQ_QUEUE));
        return all;
    }

    /**
     * Reads the brokers, then the adapter's answer measured after that read, then the brokers
     * again; when both broker reads agree, nothing moved in between and {@code check} gets the
     * answer and the broker counts. Retries otherwise.
     */
    private static <T> void whenSteady(Supplier<T> served, java.util.function.BiConsumer<T, Map<String, Map<String, Long>>> check) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Map<String, Map<String, Long>> before = brokers();
            T answer = served.get();
            Map<String, Map<String, Long>> after = brokers();
            if (before.equals(after)) {
                check.accept(answer, before);
                return;
            }
        }
        throw new AssertionError("the brokers never stood still long enough to compare");
    }

    private static String key(Wire.Item item) {
        return item.source() + "/" + item.queue();
    }

    @ParameterizedTest
    @EnumSource(value = HttpClient.Version.class)
    void servedValuesEqualWhatTheBrokersHold(HttpClient.Version version) {
        MetricsApi api = new MetricsApi(adapter.securePort(), version);
        for (String metric : List.of("queue_ready", "queue_unacked", "queue_outstanding")) {
            whenSteady(() -> api.itemsNewerThan("workers", metric, null, Instant.now()), (items, brokers) -> {
                Map<String, Long> served = new TreeMap<>();
                for (Wire.Item item : items) {
                    assertThat(item.metric()).isEqualTo(metric);
                    assertThat(item.labels()).containsOnlyKeys(item.source().equals("rabbit")
                            ? new String[] {"source", "queue", "vhost"} : new String[] {"source", "queue"});
                    served.put(key(item), item.value().longValueExact());
                }
                Map<String, Long> expected = new TreeMap<>();
                brokers.forEach((queue, counts) -> expected.put(queue, counts.get(metric)));
                assertThat(served).as(metric + " over " + version).isEqualTo(expected);
            });
        }
        whenSteady(() -> api.itemsNewerThan("workers", "queue_consumers", "source=rabbit", Instant.now()),
                (items, brokers) -> assertThat(items).allSatisfy(item -> assertThat(item.value().longValueExact())
                        .as("consumers of " + item.queue()).isEqualTo(brokers.get(key(item)).get("queue_consumers"))));
        whenSteady(() -> api.itemsNewerThan("workers", "queue_running", "source=rq", Instant.now()),
                (items, brokers) -> assertThat(items).singleElement().satisfies(item -> assertThat(
                        item.value().longValueExact()).isEqualTo(brokers.get(key(item)).get("queue_running"))));

        // Late ack: every task not finished is outstanding, wherever it is (list, prefetch, running).
        Map<String, Long> outstanding = new TreeMap<>();
        api.items("workers", "queue_outstanding", null).forEach(i -> outstanding.put(key(i), i.value().longValueExact()));
        assertThat(outstanding).isEqualTo(Map.of("rabbit/" + RABBIT_HELD, (long) HELD_TASKS,
                "rabbit/" + RABBIT_WAITING, 3L, "redis/" + REDIS_HELD, (long) HELD_TASKS,
                "redis/" + REDIS_PRIORITY, 9L, "rq/" + RQ_QUEUE, (long) RQ_JOBS));
    }

    @Test
    void priorityTasksAreSpreadOverKombusListsAndAllCounted() {
        List<String> lists = new ArrayList<>(redis.keys(REDIS_PRIORITY + "*"));
        assertThat(lists).as("kombu's priority lists").hasSizeGreaterThanOrEqualTo(3);
        List<Wire.Item> items = http2.itemsNewerThan("default", "queue_ready", "source=redis,queue=" + REDIS_PRIORITY,
                Instant.now());
        assertThat(items).singleElement().satisfies(i -> assertThat(i.value().longValueExact()).isEqualTo(9));
    }

    @Test
    void theHpaSumsTheQueuesOfAnInSelectorAndScalesToWhatTheBrokersHold() {
        String selector = "queue in (" + REDIS_HELD + "," + REDIS_PRIORITY + ")";
        whenSteady(() -> http2.itemsNewerThan("default", "queue_outstanding", selector, Instant.now()),
                (items, brokers) -> {
                    assertThat(items).extracting(Wire.Item::queue).containsExactlyInAnyOrder(REDIS_HELD, REDIS_PRIORITY);
                    long total = brokers.get("redis/" + REDIS_HELD).get("queue_outstanding")
                            + brokers.get("redis/" + REDIS_PRIORITY).get("queue_outstanding");
                    // AverageValue 3 per pod, 4 pods now: ceil(total / 3) stays inside the
                    // scale-up limit (2 x 4) for the totals of this test.
                    int expected = (int) Math.ceil(total / 3.0);
                    assertThat(expected).as("precondition: outside tolerance and scale-up limit").isBetween(5, 8);
                    HpaSimulator hpa = new HpaSimulator(HpaSimulator.TargetType.AVERAGE_VALUE, 3000, 1, 20, 4);
                    int replicas = hpa.sync(0, new HpaSimulator.Values(items.stream().map(Wire.Item::milli).toList()), 4);
                    assertThat(replicas).isEqualTo(expected);
                });
    }

    @Test
    void aSourceRestrictedToANamespaceIsInvisibleFromAnother() {
        MetricsApi.Answer hidden = http2.metric("default", "queue_outstanding", "source=rq");
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.contentType()).startsWith("application/json");
        WireSchema.StatusBody status = Wire.status(hidden.body(), 404);
        assertThat(status.reason()).isEqualTo("NotFound");
        assertThat(status.message()).contains("known queues").contains("queue=" + REDIS_HELD)
                .contains("queue=" + RABBIT_HELD).doesNotContain(RQ_QUEUE);

        assertThat(http2.items("default", "queue_outstanding", null)).extracting(Wire.Item::source)
                .doesNotContain("rq").contains("rabbit", "redis");
        assertThat(http2.items("workers", "queue_outstanding", "source=rq")).singleElement()
                .satisfies(i -> assertThat(i.queue()).isEqualTo(RQ_QUEUE));
    }

    @Test
    void prometheusMetricsAgreeWithTheApi() {
        // one answer of each kind, so the latency histogram has both statuses
        http2.items("workers", "queue_ready", null);
        assertThat(http2.metric("workers", "queue_ready", "queue=e2e-no-such-queue").status()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, Long> before = served("queue_outstanding");
            PromText scrape = scrape();
            Map<String, Long> after = served("queue_outstanding");
            assertThat(after).isEqualTo(before);
            before.forEach((key, value) -> {
                String[] sq = key.split("/", 2);
                assertThat(scrape.value("queue_outstanding", Map.of("source", sq[0], "queue", sq[1])))
                        .as("queue_outstanding of " + key).hasValue(value);
            });
        });

        PromText scrape = scrape();
        for (String source : List.of("rabbit", "redis", "rq")) {
            Map<String, String> labels = Map.of("source", source);
            assertThat(scrape.value("adapter_poll_seconds_count", labels).orElseThrow()).as(source).isGreaterThan(0);
            assertThat(scrape.find("adapter_poll_seconds_bucket", labels)).as(source).isNotEmpty();
            assertThat(scrape.value("adapter_poll_errors_total", labels)).as(source).hasValue(0);
            assertThat(scrape.value("adapter_source_up", labels)).as(source).hasValue(1);
            assertThat(scrape.value("adapter_metric_age_seconds", labels).orElseThrow()).as(source).isBetween(0.0, 3.0);
        }
        String route = "/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}";
        for (String code : List.of("200", "404")) {
            assertThat(scrape.value("adapter_http_requests_seconds_count", Map.of("route", route, "status", code,
                    "method", "GET")).orElse(0)).as("requests to the metric route answered " + code).isGreaterThan(0);
        }
        assertThat(scrape.find("adapter_http_requests_seconds_bucket", Map.of("route", route, "status", "200")))
                .isNotEmpty();
    }

    private static Map<String, Long> served(String metric) {
        Map<String, Long> values = new TreeMap<>();
        http2.items("workers", metric, null).forEach(i -> values.put(key(i), i.value().longValueExact()));
        return values;
    }

    private static PromText scrape() {
        MetricsApi.Answer answer = MetricsApi.management(adapter.managementPort(), "/metrics");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("text/plain");
        return PromText.parse(answer.body());
    }
}
