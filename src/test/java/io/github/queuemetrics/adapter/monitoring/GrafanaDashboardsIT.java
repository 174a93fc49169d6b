package io.github.queuemetrics.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.github.queuemetrics.adapter.monitoring.DashboardQueries.Query;
import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.github.queuemetrics.adapter.testsupport.PrometheusServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Every query of the Grafana dashboards, run against a real Prometheus (Debian's) scraping the
 * packaged adapter, which polls a RabbitMQ source and a Celery-on-Redis source, each with a real
 * Celery worker executing real tasks, and guards a StatefulSet and a Deployment (with their HPAs) in
 * fabric8's mock API server, so the workload replica gauges have data. Every query must be valid; every one must return
 * data except the {@link #HOOK_ONLY} targets, which count webhook reviews and drains (none happen here).
 */
@Timeout(300)
@EnableKubernetesMockClient(crud = true)
class GrafanaDashboardsIT {

    static KubernetesClient client;
    private static final String NS = "workers";
    private static final String WORKLOAD = "i8o-grafana-wk";

    private static final String VHOST = "i8-observe";
    private static final int REDIS_DB = 15;
    private static final String RABBIT_QUEUE = "i8o-grafana-rabbit";
    private static final String REDIS_QUEUE = "i8o-grafana-redis";

    /**
     * Targets ("dashboard uid / panel title / refId") whose metrics only webhook reviews and drains
     * create (grafana/README.md, "Metrics the scale-down hook exports"): checked valid, not for data.
     */
    static final Set<String> HOOK_ONLY = Set.of(
            "qma-queues / Scale-down webhook decisions / A",
            "qma-queues / Drains by outcome / A",
            "qma-queues / Drain duration / A",
            "qma-queues / Drain duration / B");

    @TempDir
    static Path dir;
    private static final Set<String> REDIS_KEYS_BEFORE = new HashSet<>();
    private static URI redis;
    private static CeleryWorker rabbitWorker;
    private static CeleryWorker redisWorker;
    private static AdapterJar adapter;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void startEverything() throws Exception {
        PrometheusServer.require(PrometheusServer.PROMETHEUS);
        URI amqp = Brokers.rabbitVhost(VHOST);
        redis = Brokers.redisUri(REDIS_DB);
        try (Jedis jedis = new Jedis(redis)) {
            REDIS_KEYS_BEFORE.addAll(jedis.keys("*"));
        }
        String rabbitCelery = Brokers.celeryBrokerUrl(amqp);
        String redisCelery = Brokers.celeryBrokerUrl(redis);
        rabbitWorker = CeleryWorker.start(CeleryWorker.Options.of(rabbitCelery, "i8o-rabbit@test", RABBIT_QUEUE)
                .concurrency(2));
        redisWorker = CeleryWorker.start(CeleryWorker.Options.of(redisCelery, "i8o-redis@test", REDIS_QUEUE)
                .concurrency(2));
        guardedWorkloadsWithTheirHpas();
        adapter = AdapterJar.start(dir, """
                pollInterval: 500ms
                maxStaleness: 10s
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s]
                    workers: celery
                  - name: redis
                    type: celery-redis
                    uri: %s
                    queues: [%s]
                    workers: celery
                scaleDown:
                  workloads:
                    - {kind: StatefulSet, namespace: %s, name: %s, source: rabbit}
                    - {kind: Deployment, namespace: %s, name: %s, source: redis}
                """.formatted(amqp, Brokers.rabbitManagementUri(), RABBIT_QUEUE, redis, REDIS_QUEUE, NS, WORKLOAD, NS,
                WORKLOAD),
                "--kubeconfig", kubeconfig().toString());
        prometheus = PrometheusServer.start(dir, "127.0.0.1:" + adapter.managementPort());
        // more tasks than slots, long enough that some wait, some are prefetched and some run while scraped
        CeleryWorker.enqueue(rabbitCelery, RABBIT_QUEUE, 8, 3, null);
        CeleryWorker.enqueue(redisCelery, REDIS_QUEUE, 8, 3, null);
        // 15 s of scrapes with the tasks in them: enough for rate() over the 10 s the test gives $__rate_interval
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(scalar("min(count_over_time(queue_outstanding[15s]))"))
                        .as("scrapes of queue_outstanding; target %s", prometheus.targetHealth())
                        .isGreaterThanOrEqualTo(15));
    }

    /**
     * What the workload panels show, per source: a StatefulSet on the RabbitMQ queue and a Deployment
     * on the Redis one, 2 replicas running and 3 asked for, each with the HPA that scales it.
     */
    private static void guardedWorkloadsWithTheirHpas() {
        client.apps().statefulSets().resource(new StatefulSetBuilder().withNewMetadata().withName(WORKLOAD)
                .withNamespace(NS).endMetadata().withNewSpec().withReplicas(3).withNewSelector()
                .addToMatchLabels("app", WORKLOAD).endSelector().endSpec().withNewStatus().withReplicas(2).endStatus()
                .build()).create();
        client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName(WORKLOAD)
                .withNamespace(NS).endMetadata().withNewSpec().withReplicas(3).withNewSelector()
                .addToMatchLabels("app", WORKLOAD).endSelector().endSpec().withNewStatus().withReplicas(2).endStatus()
                .build()).create();
        hpa("StatefulSet", "rabbit", RABBIT_QUEUE);
        hpa("Deployment", "redis", REDIS_QUEUE);
    }

    private static void hpa(String kind, String source, String queue) {
        client.autoscaling().v2().horizontalPodAutoscalers().resource(new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withName(WORKLOAD + "-" + source).withNamespace(NS).endMetadata().withNewSpec()
                .withMinReplicas(1).withMaxReplicas(4).withNewScaleTargetRef().withApiVersion("apps/v1")
                .withKind(kind).withName(WORKLOAD).endScaleTargetRef().addNewMetric().withType("External")
                .withNewExternal().withNewMetric().withName("queue_outstanding").withNewSelector()
                .addToMatchLabels("source", source).addToMatchLabels("queue", queue).endSelector()
                .endMetric().withNewTarget().withType("AverageValue").withNewAverageValue("5").endTarget()
                .endExternal().endMetric().endSpec().build()).create();
    }

    /** A kubeconfig naming the mock API server, as the adapter's {@code --kubeconfig} reads it. */
    private static Path kubeconfig() {
        return Kubeconfigs.write(client.getConfiguration().getMasterUrl(), null);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try (AutoCloseable w1 = rabbitWorker; AutoCloseable w2 = redisWorker; AutoCloseable a = adapter;
             AutoCloseable p = prometheus) {
            // closed in reverse order: Prometheus, the adapter, then the workers
        } finally {
            if (redis != null) {
                try (Jedis jedis = new Jedis(redis)) {
                    for (String key : jedis.keys("*")) {
                        if (!REDIS_KEYS_BEFORE.contains(key)) {
                            jedis.del(key);
                        }
                    }
                }
            }
            Brokers.deleteRabbitVhost(VHOST);
        }
    }

    @Test
    void theDataIsRealTasksAndWorkers() throws Exception {
        for (String queue : List.of(RABBIT_QUEUE, REDIS_QUEUE)) {
            assertThat(scalar("max(max_over_time(queue_outstanding{queue=\"" + queue + "\"}[1m]))"))
                    .as("tasks seen outstanding on %s", queue).isPositive();
        }
        assertThat(scalar("sum(worker_up)")).as("live workers").isEqualTo(2);
    }

    @Test
    void everyDashboardQueryIsValidAndReturnsDataForEachSource() throws Exception {
        List<String> failures = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int checked = 0;
        for (Path file : DashboardQueries.files()) {
            JsonNode dashboard = DashboardQueries.read(file);
            List<Query> queries = new ArrayList<>(DashboardQueries.targets(dashboard));
            queries.addAll(DashboardQueries.variables(dashboard));
            for (Query q : queries) {
                seen.add(q.id());
                for (Map<String, String> values : List.of(values("rabbit", RABBIT_QUEUE), values("redis", REDIS_QUEUE),
                        values("(rabbit|redis)", "(" + RABBIT_QUEUE + "|" + REDIS_QUEUE + ")"))) {
                    String failure = check(q, values, HOOK_ONLY.contains(q.id()));
                    if (failure != null) {
                        failures.add(failure);
                    }
                    checked++;
                }
            }
        }
        assertThat(failures).as("%d dashboard queries checked against Prometheus; these failed", checked).isEmpty();
        assertThat(seen).as("every hook-only exception names a real target").containsAll(HOOK_ONLY);
    }

    /** The check above can fail: a misspelt metric has no data, a broken expression is invalid. */
    @Test
    void aMisspeltMetricOrABrokenQueryIsReported() throws Exception {
        Map<String, String> values = values("rabbit", RABBIT_QUEUE);
        Query good = new Query("good", "max by (source, vhost, queue) (queue_outstanding{source=~\"$source\"})");
        assertThat(check(good, values, false)).isNull();
        assertThat(check(new Query("typo", good.expr().replace("queue_outstanding", "queue_outstandnig")), values, false))
                .contains("typo").contains("no data");
        assertThat(check(new Query("broken", "sum by (queue (queue_ready)"), values, false))
                .contains("broken").contains("invalid");
    }

    /** Null when the query is valid and (unless {@code validOnly}) returns data; else what is wrong. */
    private static String check(Query query, Map<String, String> values, boolean validOnly) throws Exception {
        String expr = DashboardQueries.substitute(query.expr(), values);
        JsonNode answer = prometheus.query(expr);
        if (!"success".equals(answer.path("status").asText())) {
            return query.id() + " [" + values.get("source") + "]: invalid: " + answer.path("error").asText()
                    + "\n    " + expr;
        }
        if (!validOnly && answer.path("data").path("result").isEmpty()) {
            return query.id() + " [" + values.get("source") + "]: no data\n    " + expr;
        }
        return null;
    }

    /**
     * What Grafana would put in for the selected sources and queues (several: "(a|b)", as for
     * "All" or a multi-selection), with a 1 s scrape interval.
     */
    private static Map<String, String> values(String source, String queue) {
        return Map.of("source", source, "queue", queue, "__rate_interval", "10s", "__interval", "2s",
                "__range", "1m", "__range_s", "60", "__interval_ms", "2000");
    }

    private static double scalar(String expr) throws Exception {
        JsonNode answer = prometheus.query(expr);
        JsonNode result = answer.path("data").path("result");
        if (!"success".equals(answer.path("status").asText())) {
            throw new AssertionError(expr + ": " + answer);
        }
        return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
    }
}
