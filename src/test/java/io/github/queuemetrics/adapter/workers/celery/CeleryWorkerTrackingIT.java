package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter.Probe;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * Celery worker tracking end to end: the in-process adapter over HTTP, real Celery 5.2.6 workers
 * (prefork) on RabbitMQ (vhost {@code qma-tracking-celery}, with managementUri) and on Redis
 * (celery-redis, DB 6).
 */
@Timeout(120)
class CeleryWorkerTrackingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VHOST = "qma-tracking-celery";
    private static final int REDIS_DB = 6;

    enum Broker {
        RABBITMQ {
            @Override
            URI uri() {
                return Brokers.rabbitVhost(VHOST);
            }

            @Override
            String source(List<String> queues) {
                return "    type: rabbitmq\n    amqpUri: " + uri() + "\n    managementUri: "
                        + Brokers.rabbitManagementUri() + "\n    queues: " + queues + "\n";
            }

            @Override
            CeleryEventStream events(CeleryEventListener listener) {
                return new AmqpEventStream(uri(), CeleryEventStream.EXCHANGE, "qma-tracking-it-"
                        + UUID.randomUUID(), listener, Clock.systemUTC(), Duration.ofMillis(200), Duration.ofSeconds(2));
            }

            /**
             * The management API's queue counts are the broker's statistics, emitted every
             * collect_statistics_interval (5 s by default; env RABBITMQ_STATS_INTERVAL_MS): a
             * snapshot may show the queue as it was up to that long before the poll read it.
             */
            @Override
            Duration brokerCountsLag() {
                return Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("RABBITMQ_STATS_INTERVAL_MS",
                        "5000")) + 200);
            }

            @Override
            void cleanUp(List<String> queues) throws Exception {
                for (String q : queues) {
                    management("DELETE", "/api/queues/" + VHOST + "/" + q);
                }
            }
        },
        REDIS {
            @Override
            URI uri() {
                return Brokers.redisUri(REDIS_DB);
            }

            @Override
            String source(List<String> queues) {
                return "    type: celery-redis\n    uri: " + uri() + "\n    queues: " + queues + "\n";
            }

            @Override
            CeleryEventStream events(CeleryEventListener listener) {
                return new RedisEventStream(uri(), "", CeleryEventStream.EXCHANGE, "qma-tracking-it-"
                        + UUID.randomUUID(), listener, Clock.systemUTC(), Duration.ofMillis(200), Duration.ofSeconds(2));
            }

            /**
             * One pipelined read of every list and the unacked hash; CeleryRedisSource stamps the
             * snapshot right after it, so the counts are at most a round trip older than takenAt.
             */
            @Override
            Duration brokerCountsLag() {
                return Duration.ofMillis(200);
            }

            @Override
            void cleanUp(List<String> queues) {
                try (Jedis jedis = new Jedis(uri())) {
                    jedis.flushDB(); // DB 6 belongs to this test class alone
                }
            }
        };

        abstract URI uri();

        abstract String source(List<String> queues);

        abstract CeleryEventStream events(CeleryEventListener listener);

        abstract Duration brokerCountsLag();

        abstract void cleanUp(List<String> queues) throws Exception;

        String celeryUrl() {
            return Brokers.celeryBrokerUrl(uri());
        }
    }

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private Broker broker;
    private List<String> queues = List.of();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        if (broker != null) {
            broker.cleanUp(queues);
        }
    }

    private RunningAdapter adapter(Broker b, String... queueNames) throws Exception {
        broker = b;
        queues = List.of(queueNames);
        // maxStaleness well above a poll: a RabbitMQ poll (management listing, passive declares,
        // three broadcasts) took over 5 s on the loaded CI machine, and staleness is not under test here.
        String yaml = "pollInterval: 500ms\nmaxStaleness: 15s\nsources:\n  - name: celery\n"
                + b.source(queues).replace("queues: [", "queues: [").replace(", ", ", ")
                + "    workers: celery\n    podWorkerTemplate: \"{pod}@test\"\n";
        RunningAdapter adapter = RunningAdapter.start(yaml);
        cleanup.add(adapter);
        return adapter;
    }

    private CeleryWorker worker(CeleryWorker.Options options) {
        CeleryWorker w = CeleryWorker.start(options);
        cleanup.add(w);
        return w;
    }

    /** Starts the workers side by side (each takes seconds to boot). */
    private List<CeleryWorker> workers(CeleryWorker.Options... options) {
        List<CompletableFuture<CeleryWorker>> starting = new ArrayList<>();
        for (CeleryWorker.Options o : options) {
            starting.add(CompletableFuture.supplyAsync(() -> CeleryWorker.start(o)));
        }
        List<CeleryWorker> started = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<CeleryWorker> f : starting) {
            try {
                CeleryWorker w = f.join();
                cleanup.add(w);
                started.add(w);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return started;
    }

    /** Tasks each worker reports in {@code active}, per routing key, read by Celery's own client. */
    private Map<String, Integer> activeByRoutingKey(Broker b) throws Exception {
        JsonNode replies = JSON.readTree(CeleryWorker.inspectActiveJson(b.celeryUrl(), Duration.ofSeconds(2)));
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        replies.forEach(tasks -> tasks.forEach(t -> counts.merge(t.path("delivery_info").path("routing_key").asText(),
                1, Integer::sum)));
        return counts;
    }

    // ------------------------------------------------------------------ running, outstanding, workers

    @ParameterizedTest
    @EnumSource(Broker.class)
    void runningEqualsWhatWorkersReportAndOutstandingCountsEachTaskOnce(Broker b) throws Exception {
        String early = "qma-trk-early";
        String late = "qma-trk-late";
        RunningAdapter adapter = adapter(b, early, late);
        workers(CeleryWorker.Options.of(b.celeryUrl(), "early@test", early).concurrency(2).prefetchMultiplier(2),
                CeleryWorker.Options.of(b.celeryUrl(), "late@test", late).concurrency(2).prefetchMultiplier(1)
                        .acksLate(true));

        // Long tasks: nothing finishes during the test, so the truth stays "all of them".
        CeleryWorker.enqueue(b.celeryUrl(), early, 8, 60, null);
        CeleryWorker.enqueue(b.celeryUrl(), late, 5, 60, null);

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("queue_running", "celery", early)).isEqualTo(2);
            assertThat(adapter.metric("queue_running", "celery", late)).isEqualTo(2);
            // early ack: 2 executing (acked, in no broker count) + 4 prefetched (unacked) + 2 ready
            assertThat(adapter.metric("queue_outstanding", "celery", early)).isEqualTo(8);
            // acks_late: the 2 executing tasks are the 2 unacked ones; counted once, not twice
            assertThat(adapter.metric("queue_outstanding", "celery", late)).isEqualTo(5);
            assertThat(adapter.metric("queue_unacked", "celery", late)).isEqualTo(2);
        });

        // The same moment from Celery's own client, independently of the adapter.
        Map<String, Integer> active = activeByRoutingKey(b);
        assertThat(active).containsEntry(early, 2).containsEntry(late, 2);
        assertThat(adapter.metric("queue_running", "celery", early)).isEqualTo(active.get(early).doubleValue());
        assertThat(adapter.metric("queue_running", "celery", late)).isEqualTo(active.get(late).doubleValue());

        double ready = adapter.metric("queue_ready", "celery", early);
        double unacked = adapter.metric("queue_unacked", "celery", early);
        assertThat(ready + unacked + 2).as("ready + unacked + running (acknowledged)").isEqualTo(8);
        assertThat(adapter.metric("queue_ready", "celery", late)).isEqualTo(3);

        for (String q : List.of(early, late)) {
            assertThat(adapter.metric("workers_total", "celery", q)).isEqualTo(1);
            assertThat(adapter.metric("workers_busy", "celery", q)).isEqualTo(1);
            // busy slots / all slots over the last minute: the window still holds the idle
            // samples from before the tasks arrived (the window math is unit-tested).
            assertThat(adapter.metric("workers_utilization", "celery", q)).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
        }
        if (b == Broker.REDIS) {
            assertThat(adapter.metric("queue_consumers", "celery", early)).isEqualTo(1);
        }

        String scrape = adapter.scrape();
        for (String w : List.of("early@test", "late@test")) {
            String labels = "{source=\"celery\",kind=\"celery\",worker=\"" + w + "\"}";
            assertThat(RunningAdapter.sample(scrape, "worker_up" + labels)).isEqualTo(1);
            assertThat(RunningAdapter.sample(scrape, "worker_tasks_active" + labels)).isEqualTo(2);
            assertThat(RunningAdapter.sample(scrape, "worker_slots" + labels)).isEqualTo(2);
        }
        assertThat(RunningAdapter.sample(scrape, "queue_running{source=\"celery\",queue=\"" + early + "\""
                + (b == Broker.RABBITMQ ? ",vhost=\"" + VHOST + "\"" : "") + "}")).isEqualTo(2);
    }

    // ------------------------------------------------------------------ burst

    /** Task events recorded with the worker's own timestamps (same host, same clock as ours). */
    static final class TaskTimeline implements CeleryEventListener {
        final Map<String, Double> started = new ConcurrentHashMap<>();
        final Map<String, Double> succeeded = new ConcurrentHashMap<>();

        @Override
        public void onEvent(com.fasterxml.jackson.databind.node.ObjectNode e) {
            String type = e.path("type").asText();
            if (type.equals("task-started")) {
                started.put(e.path("uuid").asText(), e.path("timestamp").asDouble());
            } else if (type.equals("task-succeeded")) {
                succeeded.put(e.path("uuid").asText(), e.path("timestamp").asDouble());
            }
        }

        long finishedBy(Instant t) {
            double s = seconds(t);
            return succeeded.values().stream().filter(ts -> ts <= s).count();
        }

        long startedIn(Instant from, Instant to) {
            double a = seconds(from);
            double b = seconds(to);
            return started.values().stream().filter(ts -> ts > a && ts <= b).count();
        }

        static double seconds(Instant t) {
            return t.getEpochSecond() + t.getNano() / 1e9;
        }
    }

    /**
     * A burst of 30 tasks (60 on RabbitMQ) of 0.2 to 1 s on two workers (-c 2 each). Every ~300 ms the test reads
     * queue_outstanding over the API and compares it with the ground truth "enqueued and not yet
     * finished", taken from the workers' own task-started / task-succeeded event timestamps.
     *
     * <p><b>What equality means for a poll.</b> A poll is not one instant: the broker counts are
     * read at {@code s} (at most {@link Broker#brokerCountsLag()} before the snapshot's takenAt
     * {@code t1}), the workers answer {@code active} at {@code t2}, and the test's HTTP read ends at
     * {@code th >= t2}. Under early ack each unfinished task is in exactly one place: ready or
     * unacked in the broker, or executing (acked). The adapter's value is therefore
     * {@code broker(s) + executing(t2) = truth(t2) + (tasks that started in (s, t2])}: tasks that
     * finished before t2 are gone from both reads, and a task that left the broker for a worker in
     * between is seen twice (by design: an overcount of one poll, never a miss). So each sample must
     * satisfy, exactly and with integers,
     * <pre>truth(th) <= value <= truth(s) + started(s, th)</pre>
     * where truth only falls after the enqueue finished, so truth(th) <= truth(t2) and
     * started(s, th) >= started(s, t2). The upper bound takes s at its earliest. The lower bound is
     * checked only for snapshots whose broker read began after the last task was published (before
     * that, how many tasks were enqueued at s is not known; the upper bound, with all of them, holds). The store snapshot is read before and after
     * the HTTP request; a sample whose snapshot changed in between is not used.
     */
    @ParameterizedTest
    @EnumSource(Broker.class)
    void outstandingMatchesTasksEnqueuedAndNotFinishedThroughoutABurst(Broker b) throws Exception {
        String queue = "qma-trk-burst";
        TaskTimeline timeline = new TaskTimeline();
        RunningAdapter adapter = adapter(b, queue);
        workers(CeleryWorker.Options.of(b.celeryUrl(), "b1@test", queue).concurrency(2).taskEvents(true),
                CeleryWorker.Options.of(b.celeryUrl(), "b2@test", queue).concurrency(2).taskEvents(true));
        CeleryEventStream events = b.events(timeline);
        cleanup.add(events);
        events.start();
        await().atMost(Duration.ofSeconds(10)).until(events::connected);

        Random random = new Random(42);
        List<Double> durations = new ArrayList<>();
        // On RabbitMQ the broker counts may be brokerCountsLag() old: a longer burst leaves samples
        // whose broker read certainly came after the last publish, where the lower bound applies.
        int count = b == Broker.RABBITMQ ? 60 : 30;
        for (int i = 0; i < count; i++) {
            durations.add(0.2 + Math.round(random.nextDouble() * 80) / 100.0);
        }
        CeleryWorker.enqueueDurations(b.celeryUrl(), queue, durations);
        Instant enqueued = Instant.now();
        final int total = durations.size();

        // Sample during the burst; judge afterwards, once every task event has arrived.
        record Sample(Instant t1, double value, Instant th) {
        }
        List<Sample> samples = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (System.nanoTime() < deadline) {
            Instant t1 = adapter.snapshotTakenAt("celery");
            double value = adapter.metric("queue_outstanding", "celery", queue);
            Instant th = Instant.now();
            if (t1.equals(adapter.snapshotTakenAt("celery"))) {
                samples.add(new Sample(t1, value, th));
            }
            if (timeline.succeeded.size() == total && value == 0) {
                break;
            }
            Thread.sleep(300);
        }
        Thread.sleep(1500); // prefork batches task events: let the last ones arrive

        int checked = 0;
        int exact = 0;
        int lowerChecked = 0;
        List<String> violations = new ArrayList<>();
        List<String> log = new ArrayList<>();
        for (Sample sample : samples) {
            Instant s = sample.t1().minus(b.brokerCountsLag());
            // Before the last publish the number enqueued at s is unknown: only the upper bound
            // (at most all of them) holds; the lower bound needs s after the last publish.
            boolean lowerKnown = s.isAfter(enqueued);
            long low = total - timeline.finishedBy(sample.th());
            long high = total - timeline.finishedBy(s) + timeline.startedIn(s, sample.th());
            long truthAtSnapshot = total - timeline.finishedBy(sample.t1());
            checked++;
            if (sample.value() == truthAtSnapshot) {
                exact++;
            }
            String line = String.format("t1=%s value=%.0f truth(t1)=%d bounds=[%s,%d]", sample.t1(), sample.value(),
                    truthAtSnapshot, lowerKnown ? Long.toString(low) : "-", high);
            log.add(line);
            if (lowerKnown) {
                lowerChecked++;
            }
            if ((lowerKnown && sample.value() < low) || sample.value() > high) {
                violations.add(line);
            }
        }
        System.out.printf("burst on %s: %d samples checked, %d equal to truth at the snapshot time%n%s%n", b,
                checked, exact, String.join("\n", log));
        assertThat(timeline.succeeded).as("every task of the burst ran").hasSize(total);
        assertThat(violations).as("samples outside [truth at the end of the poll, truth at its start + "
                + "tasks started during it]").isEmpty();
        assertThat(checked).as("samples checked during the burst").isGreaterThanOrEqualTo(5);
        assertThat(lowerChecked).as("samples checked against both bounds").isGreaterThanOrEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(adapter.metric("queue_outstanding", "celery", queue)).isZero());
    }

    // ------------------------------------------------------------------ cancel_consumer / add_consumer

    @ParameterizedTest
    @EnumSource(Broker.class)
    void cancelConsumerDrainsTheWorkerAndAddConsumerBringsItBack(Broker b) throws Exception {
        String queue = "qma-trk-drain";
        RunningAdapter adapter = adapter(b, queue);
        CeleryWorker w = worker(CeleryWorker.Options.of(b.celeryUrl(), "drain@test", queue).concurrency(1));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                assertThat(adapter.probe("/probe/celery/drain@test"))
                        .isEqualTo(new Probe(200, "worker drain@test alive, consuming " + queue)));

        // 1 executing + 1 prefetched (early ack, prefetch 1) + 2 ready
        // 8 s tasks: longer than the RabbitMQ statistics interval, so the counts settle before one ends
        CeleryWorker.enqueue(b.celeryUrl(), queue, 4, 8, null);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("queue_running", "celery", queue)).isEqualTo(1);
            assertThat(adapter.metric("queue_outstanding", "celery", queue)).isEqualTo(4);
        });

        CeleryControl control = CeleryControl.forSource(sourceConfig(adapter));
        cleanup.add(control);
        assertThat(control.cancelConsumer(queue, List.of(w.nodename()), Duration.ofSeconds(3)))
                .containsEntry("drain@test", new ControlResult(true, "no longer consuming from " + queue));

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Probe probe = adapter.probe("/probe/celery/drain@test");
            assertThat(probe.status()).isEqualTo(503);
            assertThat(probe.body()).contains("no longer consumes " + queue);
        });
        assertThat(adapter.probe("/probe/pod/default/drain").status()).isEqualTo(503);

        // The task it had prefetched still runs after the first one; the 2 others stay in the queue
        // (a worker still consuming would have prefetched the next one: ready would be 1).
        String first = onlyActiveTask(control, w.nodename());
        await().atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(300)).until(() -> {
            String now = onlyActiveTaskOrNull(control, w.nodename());
            return now != null && !now.equals(first);
        });
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("queue_running", "celery", queue)).isEqualTo(1);
            assertThat(adapter.metric("queue_ready", "celery", queue)).isEqualTo(2);
            assertThat(adapter.metric("queue_outstanding", "celery", queue)).isEqualTo(3);
            assertThat(adapter.metric("workers_total", "celery", queue)).isZero();
        });
        assertThat(control.addConsumer(queue, List.of(w.nodename()), Duration.ofSeconds(3)))
                .containsEntry("drain@test", new ControlResult(true, "add consumer " + queue));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(adapter.probe("/probe/celery/drain@test").status()).isEqualTo(200));
        // Consuming again: it takes the next task (and prefetches one more) from the queue.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("queue_ready", "celery", queue)).isLessThan(2);
            assertThat(adapter.metric("workers_total", "celery", queue)).isEqualTo(1);
        });
    }

    private static io.github.queuemetrics.adapter.config.SourceConfig sourceConfig(RunningAdapter adapter) {
        return adapter.adapter().workers().entries().get(0).source();
    }

    private static String onlyActiveTask(CeleryControl control, String worker) {
        String id = onlyActiveTaskOrNull(control, worker);
        assertThat(id).as("the task executing on " + worker).isNotNull();
        return id;
    }

    private static String onlyActiveTaskOrNull(CeleryControl control, String worker) {
        List<TaskInfo> tasks = control.active(List.of(worker), Duration.ofSeconds(2)).getOrDefault(worker, List.of());
        return tasks.size() == 1 ? tasks.get(0).id() : null;
    }

    // ------------------------------------------------------------------ killed worker

    @ParameterizedTest
    @EnumSource(Broker.class)
    void aKilledWorkersProbeTurns503WithinTwoHeartbeatPeriods(Broker b) throws Exception {
        String queue = "qma-trk-kill";
        RunningAdapter adapter = adapter(b, queue);
        List<CeleryWorker> ws = workers(CeleryWorker.Options.of(b.celeryUrl(), "w1@test", queue),
                CeleryWorker.Options.of(b.celeryUrl(), "w2@test", queue));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(adapter.probe("/probe/celery/w1@test").status()).isEqualTo(200);
            assertThat(adapter.probe("/probe/celery/w2@test").status()).isEqualTo(200);
            // podWorkerTemplate "{pod}@test": pod w1 runs worker w1@test
            assertThat(adapter.probe("/probe/pod/default/w1"))
                    .isEqualTo(new Probe(200, "worker w1@test alive, consuming " + queue));
            assertThat(adapter.metric("workers_total", "celery", queue)).isEqualTo(2);
        });
        double freq = adapter.adapter().workers().entries().get(0).tracker() instanceof CeleryWorkerTracker t
                ? t.registry().worker("w1@test").orElseThrow().freq() : Double.NaN;
        assertThat(freq).isEqualTo(2.0);

        ws.get(0).kill();
        long killedAt = System.nanoTime();
        Probe w1 = adapter.probe("/probe/celery/w1@test");
        while (w1.status() == 200 && System.nanoTime() - killedAt < Duration.ofSeconds(15).toNanos()) {
            assertThat(adapter.probe("/probe/celery/w2@test").status()).as("the other worker").isEqualTo(200);
            Thread.sleep(100);
            w1 = adapter.probe("/probe/celery/w1@test");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.printf("%s: probe of the killed worker turned %d after %d ms: %s%n", b, w1.status(),
                took.toMillis(), w1.body());
        assertThat(w1.status()).isEqualTo(503);
        assertThat(w1.body()).contains("w1@test is silent: last heartbeat");
        // Celery's rule: dead two heartbeat periods after the last heartbeat, which came at most one
        // period before the kill; 1 s of margin for delivery and the probe loop.
        assertThat(took).isLessThanOrEqualTo(Duration.ofMillis((long) (2 * freq * 1000) + 1000));
        assertThat(adapter.probe("/probe/pod/default/w1").status()).isEqualTo(503);
        assertThat(adapter.probe("/probe/pod/default/w2").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(adapter.metric("workers_total", "celery", queue)).isEqualTo(1);
            assertThat(RunningAdapter.sample(adapter.scrape(),
                    "worker_up{source=\"celery\",kind=\"celery\",worker=\"w1@test\"}")).isZero();
        });
        assertThat(adapter.probe("/probe/celery/w2@test").status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ helpers

    static String management(String method, String path) throws Exception {
        URI base = Brokers.rabbitManagementUri();
        String auth = "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", auth)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    @SuppressWarnings("unused")
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
