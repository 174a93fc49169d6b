package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/**
 * CeleryRedisSource against the real local Redis (DBs 2 and 3, ours alone) and real Celery
 * 5.2.6 / kombu 5.2.4 producers and workers. Every number the source reports is checked against
 * the same Redis state read independently (LLEN of each list, the unacked hash parsed as full JSON).
 */
@Timeout(180)
class CeleryRedisSourceIT {

    private static final String SEP = "\u0006\u0016";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI db2 = Brokers.redisUri(2);
    private final URI db3 = Brokers.redisUri(3);
    private Jedis redis2;
    private Jedis redis3;
    private CeleryWorker worker;

    @BeforeEach
    void cleanDatabases() {
        redis2 = new Jedis(db2);
        redis3 = new Jedis(db3);
        redis2.flushDB(); // DBs 2 and 3 are this test's own
        redis3.flushDB();
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.kill();
            worker.close();
        }
        redis2.flushDB();
        redis3.flushDB();
        redis2.close();
        redis3.close();
    }

    static SourceConfig config(String name, URI uri, List<String> queues, Pattern pattern,
                               List<Integer> steps, String sep, String prefix) {
        return new SourceConfig(name, SourceType.CELERY_REDIS, null, null, null, uri, queues, pattern, WorkerKind.NONE,
                null, Duration.ofSeconds(5), Duration.ofSeconds(30), steps, sep, prefix);
    }

    static SourceConfig config(String name, URI uri, String... queues) {
        return config(name, uri, List.of(queues), null, null, null, null);
    }

    static Map<String, QueueSample> byQueue(SourceSnapshot snapshot) {
        return snapshot.queues().stream().collect(Collectors.toMap(QueueSample::queue, s -> s));
    }

    static double value(QueueSample sample, QueueMetric metric) {
        return sample.value(metric).orElseThrow(() -> new AssertionError(metric + " absent for " + sample.queue()));
    }

    /** LLEN summed over the queue's default kombu lists, read directly. */
    static long llenSum(Jedis redis, String prefix, String sep, String queue, int... nonZeroSteps) {
        long sum = redis.llen(prefix + queue);
        for (int step : nonZeroSteps) {
            sum += redis.llen(prefix + queue + sep + step);
        }
        return sum;
    }

    /** Unacked entries per routing key, parsing every value as full JSON (independent of UnackedRoute). */
    static Map<String, Integer> unackedByRoutingKey(Jedis redis, String key) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (String value : redis.hvals(key)) {
            JsonNode entry = JSON.readTree(value);
            assertThat(entry.get(1).asText()).as("exchange of a Celery task").isEmpty();
            counts.merge(entry.get(2).asText(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void readySumsEveryPriorityListAndAgesTheOldestTask() throws Exception {
        String broker = db2.toString();
        String q = "qma-cr-prio";
        CeleryWorker.enqueue(broker, q, 3, 60, 0);
        CeleryWorker.enqueue(broker, q, 4, 60, 5);
        CeleryWorker.enqueue(broker, q, 2, 60, 9);
        // kombu put them where the reference says: 0 -> base key, 5 -> step 3, 9 -> step 9
        assertThat(redis2.llen(q)).isEqualTo(3);
        assertThat(redis2.llen(q + SEP + "3")).isEqualTo(4);
        assertThat(redis2.llen(q + SEP + "9")).isEqualTo(2);

        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-prio", db2, q, "qma-cr-missing"))) {
            long start = System.nanoTime();
            Map<String, QueueSample> first = byQueue(source.poll());
            assertThat(value(first.get(q), QueueMetric.READY)).isEqualTo(9)
                    .isEqualTo(llenSum(redis2, "", SEP, q, 3, 6, 9));
            assertThat(value(first.get(q), QueueMetric.UNACKED)).isZero();
            assertThat(value(first.get(q), QueueMetric.OUTSTANDING)).isEqualTo(9);
            assertThat(value(first.get(q), QueueMetric.OLDEST_AGE_SECONDS)).isZero();
            assertThat(first.get(q).value(QueueMetric.CONSUMERS)).isEmpty();
            assertThat(first.get(q).value(QueueMetric.RUNNING)).isEmpty();
            assertThat(first.get(q).labels()).containsEntry("source", "cr-prio").containsEntry("queue", q);
            // a queue named in queues: that Redis does not have is 0, not an error
            QueueSample missing = first.get("qma-cr-missing");
            assertThat(value(missing, QueueMetric.READY)).isZero();
            assertThat(value(missing, QueueMetric.OUTSTANDING)).isZero();
            assertThat(value(missing, QueueMetric.OLDEST_AGE_SECONDS)).isZero();

            Thread.sleep(1500);
            double age = value(byQueue(source.poll()).get(q), QueueMetric.OLDEST_AGE_SECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;
            assertThat(age).isBetween(1.4, elapsed);

            // the oldest message leaves (as a worker's BRPOP would take it): the age restarts
            redis2.rpop(q + SEP + "9");
            redis2.rpop(q + SEP + "3");
            redis2.rpop(q);
            Map<String, QueueSample> third = byQueue(source.poll());
            assertThat(value(third.get(q), QueueMetric.OLDEST_AGE_SECONDS)).isLessThan(0.5);
            assertThat(value(third.get(q), QueueMetric.READY)).isEqualTo(6);
        }
    }

    @Test
    void attributesReservedTasksPerQueueWithOneWorkerOnTwoQueues() throws Exception {
        String broker = db2.toString();
        String a = "qma-cr-a";
        String b = "qma-cr-b";
        CeleryWorker.enqueue(broker, a, 6, 120, null);
        CeleryWorker.enqueue(broker, b, 6, 120, null);
        // early ack, -c 2, prefetch multiplier 2: 2 executing (already acked) + 4 reserved in unacked
        worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "cr-ab@test", a, b)
                .concurrency(2).prefetchMultiplier(2));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> redis2.hlen("unacked") == 4 && redis2.llen(a) + redis2.llen(b) == 6);
        Thread.sleep(500);

        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-ab", db2, a, b));
             CeleryRedisSource discovered = new CeleryRedisSource(
                     config("cr-ab-pattern", db2, List.of(), Pattern.compile(".*"), null, null, null))) {
            Map<String, QueueSample> samples = byQueue(source.poll());
            Map<String, Integer> independent = unackedByRoutingKey(redis2, "unacked");
            assertThat(independent.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
            for (String q : List.of(a, b)) {
                QueueSample s = samples.get(q);
                double ready = value(s, QueueMetric.READY);
                double unacked = value(s, QueueMetric.UNACKED);
                assertThat(ready).as("ready " + q).isEqualTo(llenSum(redis2, "", SEP, q, 3, 6, 9));
                assertThat(unacked).as("unacked " + q).isEqualTo((double) independent.getOrDefault(q, 0));
                assertThat(value(s, QueueMetric.OUTSTANDING)).isEqualTo(ready + unacked);
            }
            assertThat(value(samples.get(a), QueueMetric.READY) + value(samples.get(b), QueueMetric.READY)).isEqualTo(6);

            // discovery with ".*" finds the task queues and none of the worker's pidbox mailboxes
            assertThat(redis2.keys("_kombu.binding.*pidbox")).isNotEmpty();
            assertThat(byQueue(discovered.poll()).keySet()).containsExactlyInAnyOrder(a, b);
            // re-evaluated every poll: a queue declared meanwhile shows up on the next one
            CeleryWorker.enqueue(broker, "qma-cr-new", 1, 120, null);
            Map<String, QueueSample> again = byQueue(discovered.poll());
            assertThat(again.keySet()).containsExactlyInAnyOrder(a, b, "qma-cr-new");
            assertThat(value(again.get("qma-cr-new"), QueueMetric.READY)).isEqualTo(1);
        }
    }

    @Test
    void acksLateKeepsRunningTasksInUnackedSoOutstandingCountsEveryTask() throws Exception {
        String broker = db2.toString();
        String q = "qma-cr-late";
        CeleryWorker.enqueue(broker, q, 5, 120, null);
        worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "cr-late@test", q)
                .concurrency(2).prefetchMultiplier(1).acksLate(true));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> worker.process().output().lines().filter(l -> l.contains("Task tasks.sleep[")
                        && l.contains("received")).count() == 2);
        Thread.sleep(1000);

        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-late", db2, q))) {
            QueueSample s = byQueue(source.poll()).get(q);
            assertThat(value(s, QueueMetric.UNACKED)).isEqualTo(2)
                    .isEqualTo((double) unackedByRoutingKey(redis2, "unacked").getOrDefault(q, 0));
            assertThat(value(s, QueueMetric.READY)).isEqualTo(3).isEqualTo(llenSum(redis2, "", SEP, q, 3, 6, 9));
            assertThat(value(s, QueueMetric.OUTSTANDING)).isEqualTo(5); // every task, none lost while running
        }
    }

    @Test
    void customKeyPrefixSeparatorAndStepsAsCeleryIsConfigured() throws Exception {
        String broker = db3.toString();
        String prefix = "qma-app:";
        Map<String, String> env = Map.of("CELERY_TRANSPORT_OPTIONS",
                "{\"global_keyprefix\": \"" + prefix + "\", \"sep\": \":\", \"priority_steps\": [0, 5]}");
        String q = "qma-cr-custom";
        CeleryWorker.enqueue(broker, q, 2, 120, 0, env);
        CeleryWorker.enqueue(broker, q, 3, 120, 9, env); // 9 -> step 5
        assertThat(redis3.llen(prefix + q)).isEqualTo(2);
        assertThat(redis3.llen(prefix + q + ":5")).isEqualTo(3);

        SourceConfig fixed = config("cr-custom", db3, List.of(q), null, List.of(0, 5), ":", prefix);
        SourceConfig byPattern = config("cr-custom-p", db3, List.of(), Pattern.compile("^qma-cr-"), List.of(0, 5), ":", prefix);
        SourceConfig unprefixed = config("cr-custom-wrong", db3, q);
        try (CeleryRedisSource source = new CeleryRedisSource(fixed);
             CeleryRedisSource discovered = new CeleryRedisSource(byPattern);
             CeleryRedisSource wrong = new CeleryRedisSource(unprefixed)) {
            assertThat(value(byQueue(source.poll()).get(q), QueueMetric.READY)).isEqualTo(5);
            assertThat(value(byQueue(wrong.poll()).get(q), QueueMetric.READY)).isZero(); // the keys really are prefixed

            worker = CeleryWorker.start(CeleryWorker.Options.of(broker, "cr-custom@test", q)
                    .concurrency(1).prefetchMultiplier(1).acksLate(true), env);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> redis3.hlen(prefix + "unacked") == 1);
            Thread.sleep(500);
            Map<String, Integer> independent = unackedByRoutingKey(redis3, prefix + "unacked");
            for (CeleryRedisSource s : List.of(source, discovered)) {
                Map<String, QueueSample> samples = byQueue(s.poll());
                assertThat(samples.keySet()).containsExactly(q);
                QueueSample sample = samples.get(q);
                assertThat(value(sample, QueueMetric.UNACKED)).isEqualTo(1).isEqualTo((double) independent.get(q));
                assertThat(value(sample, QueueMetric.READY)).isEqualTo(4)
                        .isEqualTo(redis3.llen(prefix + q) + redis3.llen(prefix + q + ":5"));
                assertThat(value(sample, QueueMetric.OUTSTANDING)).isEqualTo(5);
            }
        }
    }

    @Test
    void namedExchangeEntriesAreRoutedThroughKombuBindings() throws Exception {
        // an entry routed through a named direct exchange, as kombu writes it (QoS.append)
        redis2.sadd("_kombu.binding.tasks-ex", "fast" + SEP + SEP + "qma-cr-fast", "slow" + SEP + SEP + "qma-cr-slow");
        redis2.hset("unacked", "tag-1", "[{\"body\": \"e30=\", \"properties\": {\"delivery_tag\": \"tag-1\"}}, \"tasks-ex\", \"fast\"]");
        redis2.hset("unacked", "tag-2", "[{\"body\": \"e30=\"}, \"tasks-ex\", \"fast\"]");
        redis2.hset("unacked", "tag-3", "[{\"body\": \"e30=\"}, \"tasks-ex\", \"slow\"]");
        redis2.hset("unacked", "tag-4", "[{\"body\": \"e30=\"}, \"\", \"qma-cr-fast\"]");
        redis2.hset("unacked", "tag-5", "not json");
        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-ex", db2, "qma-cr-fast", "qma-cr-slow"))) {
            Map<String, QueueSample> samples = byQueue(source.poll());
            assertThat(value(samples.get("qma-cr-fast"), QueueMetric.UNACKED)).isEqualTo(3);
            assertThat(value(samples.get("qma-cr-slow"), QueueMetric.UNACKED)).isEqualTo(1);
        }
    }

    @Test
    void manyUnackedEntriesAreReadAcrossSeveralScanPages() throws Exception {
        int entries = UnackedHashReader.SCAN_COUNT * 3 + 17;
        Map<String, String> hash = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            hash.put("tag-" + i, "[{\"body\": \"e30=\"}, \"\", \"" + (i % 3 == 0 ? "qma-cr-x" : "qma-cr-y") + "\"]");
        }
        redis2.hset("unacked", hash);
        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-many", db2, "qma-cr-x", "qma-cr-y"))) {
            Map<String, QueueSample> samples = byQueue(source.poll());
            int x = (entries + 2) / 3;
            assertThat(value(samples.get("qma-cr-x"), QueueMetric.UNACKED)).isEqualTo(x);
            assertThat(value(samples.get("qma-cr-y"), QueueMetric.UNACKED)).isEqualTo(entries - x);
        }
    }

    @Test
    void unreachableBrokerThrowsWithoutThePassword() {
        URI closed = URI.create("redis://user:s3cret-pw@127.0.0.1:1/2");
        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-down", closed, "celery"))) {
            assertThatThrownBy(source::poll).isInstanceOf(IOException.class)
                    .hasMessageContaining("127.0.0.1:1").hasMessageNotContaining("s3cret-pw");
        }
    }

    @Test
    void killedConnectionIsReplacedOnTheNextPoll() throws Exception {
        String q = "qma-cr-kill";
        redis2.lpush(q, "m1", "m2");
        try (CeleryRedisSource source = new CeleryRedisSource(config("cr-kill", db2, q))) {
            assertThat(value(byQueue(source.poll()).get(q), QueueMetric.READY)).isEqualTo(2);
            String id = clientId(source.clientName());
            assertThat(redis2.clientKill(ClientKillParams.clientKillParams().id(id))).isEqualTo(1);
            redis2.lpush(q, "m3");
            assertThat(value(byQueue(source.poll()).get(q), QueueMetric.READY)).isEqualTo(3);
            assertThat(clientId(source.clientName())).isNotEqualTo(id);
        }
    }

    @Test
    void brokerOutageThrowsAndThePollAfterItRecovers() throws Exception {
        String q = "qma-cr-outage";
        redis2.lpush(q, "m1");
        try (TcpProxy proxy = new TcpProxy(db2.getHost(), db2.getPort() < 0 ? 6379 : db2.getPort());
             CeleryRedisSource source = new CeleryRedisSource(config("cr-outage",
                     URI.create("redis://127.0.0.1:" + proxy.port() + "/2"), q))) {
            assertThat(value(byQueue(source.poll()).get(q), QueueMetric.READY)).isEqualTo(1);
            proxy.block();
            assertThatThrownBy(source::poll).isInstanceOf(IOException.class);
            assertThatThrownBy(source::poll).isInstanceOf(IOException.class);
            redis2.lpush(q, "m2");
            proxy.unblock();
            assertThat(value(byQueue(source.poll()).get(q), QueueMetric.READY)).isEqualTo(2);
        }
    }

    private String clientId(String clientName) {
        return redis2.clientList().lines().filter(l -> l.contains(" name=" + clientName + " "))
                .map(l -> l.substring(l.indexOf("id=") + 3, l.indexOf(' ', l.indexOf("id="))))
                .findFirst().orElseThrow(() -> new AssertionError("no connection named " + clientName));
    }
}
