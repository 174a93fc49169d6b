package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.store.SourceState;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * Workers the heartbeats do not reveal, end to end with real Celery 5.2 workers on both brokers
 * (RabbitMQ vhost {@code h6-workers} with managementUri, Redis DB 13): a worker started with
 * {@code --without-heartbeat} must still be counted, and a worker of another app that answers no
 * broadcast ({@code worker_enable_remote_control = False}) must not break the source.
 */
@Timeout(150)
class SilentWorkersIT {

    private static final String VHOST = "h6-workers";
    private static final int REDIS_DB = 13;

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
            void cleanUp(List<String> queues) throws Exception {
                for (String q : queues) {
                    CeleryWorkerTrackingIT.management("DELETE", "/api/queues/" + VHOST + "/" + q);
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
            void cleanUp(List<String> queues) {
                try (Jedis jedis = new Jedis(uri())) {
                    jedis.flushDB(); // DB 13 belongs to branch h6-workers alone
                }
            }
        };

        abstract URI uri();

        abstract String source(List<String> queues);

        abstract void cleanUp(List<String> queues) throws Exception;

        String celeryUrl() {
            return Brokers.celeryBrokerUrl(uri());
        }
    }

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private Broker broker;
    private List<String> queues = List.of();
    private final List<String> alsoCleanUp = new ArrayList<>();

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
            List<String> all = new ArrayList<>(queues);
            all.addAll(alsoCleanUp);
            broker.cleanUp(all);
        }
    }

    private RunningAdapter adapter(Broker b, String extra, String... queueNames) throws Exception {
        broker = b;
        queues = List.of(queueNames);
        b.cleanUp(queues); // tasks a killed run left behind would be counted
        String yaml = "pollInterval: 500ms\nmaxStaleness: 15s\nsources:\n  - name: celery\n" + b.source(queues)
                + "    workers: celery\n" + extra;
        RunningAdapter adapter = RunningAdapter.start(yaml);
        cleanup.add(adapter);
        return adapter;
    }

    private CeleryWorker worker(CeleryWorker.Options options, Map<String, String> env, List<String> args) {
        CeleryWorker w = CeleryWorker.start(options, env, args);
        cleanup.add(w);
        return w;
    }

    /**
     * 8 tasks of 50 s on one worker {@code -c 4} without heartbeats, gossip or mingle: 4 run, 4 are
     * prefetched. Nothing finishes during the test, so every sample of queue_outstanding must be 8
     * (a transient overcount while the tasks are delivered is allowed; less is never).
     */
    @ParameterizedTest
    @EnumSource(Broker.class)
    void aWorkerWithoutHeartbeatsIsCountedAndOutstandingStaysTheTruth(Broker b) throws Exception {
        String queue = "h6w-silent";
        RunningAdapter adapter = adapter(b, "", queue);
        worker(CeleryWorker.Options.of(b.celeryUrl(), "silent@h6w", queue).concurrency(4), Map.of(),
                List.of("--without-heartbeat"));

        CeleryWorker.enqueue(b.celeryUrl(), queue, 8, 50, null);
        Instant enqueued = Instant.now();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Instant t = adapter.snapshotTakenAt("celery");
            return t != null && t.isAfter(enqueued);
        });

        List<String> samples = new ArrayList<>();
        List<String> low = new ArrayList<>();
        List<String> settledOff = new ArrayList<>();
        TreeSet<String> errors = new TreeSet<>();
        Instant settled = enqueued.plusSeconds(10);
        while (Instant.now().isBefore(enqueued.plusSeconds(40))) {
            double value = adapter.metric("queue_outstanding", "celery", queue);
            Instant at = Instant.now();
            String line = at + " outstanding=" + value;
            samples.add(line);
            if (value < 8) {
                low.add(line);
            }
            if (at.isAfter(settled) && value != 8) {
                settledOff.add(line);
            }
            SourceState state = adapter.adapter().store().state("celery");
            if (state.lastError() != null) {
                errors.add(state.lastError());
            }
            Thread.sleep(500);
        }
        System.out.printf("%s, worker without heartbeats: %d samples%n%s%n", b, samples.size(),
                String.join("\n", samples));
        assertThat(low).as("samples below the 8 unfinished tasks").isEmpty();
        assertThat(settledOff).as("samples other than 8 once the tasks were delivered").isEmpty();
        assertThat(samples.size()).isGreaterThanOrEqualTo(20);
        assertThat(errors).as("poll errors").isEmpty();
        assertThat(adapter.metric("queue_running", "celery", queue)).isEqualTo(4);
        assertThat(adapter.metric("workers_total", "celery", queue)).isEqualTo(1);
        if (b == Broker.RABBITMQ) {
            assertThat(adapter.metric("queue_unacked", "celery", queue)).isEqualTo(4);
        }
    }

    /**
     * The {@code celeryev} exchange deleted under a connected event stream (its binding goes with
     * it) and re-created by a worker that starts afterwards: the stream must hear that worker.
     */
    @Test
    void theEventQueueIsBoundAgainWhenTheExchangeIsRecreated() throws Exception {
        broker = Broker.RABBITMQ;
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(Clock.systemUTC());
        AmqpEventStream events = new AmqpEventStream(Broker.RABBITMQ.uri(), CeleryEventStream.EXCHANGE,
                "h6w-rebind-" + UUID.randomUUID(), registry, Clock.systemUTC(), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        cleanup.add(events);
        events.start();
        await().atMost(Duration.ofSeconds(10)).until(events::connected);
        String deleted = CeleryWorkerTrackingIT.management("DELETE", "/api/exchanges/" + VHOST + "/celeryev");
        assertThat(deleted).isEmpty();

        worker(CeleryWorker.Options.of(Broker.RABBITMQ.celeryUrl(), "rebind@h6w", "h6w-rebind"), Map.of(),
                List.of());
        alsoCleanUp.add("h6w-rebind");
        await().atMost(Duration.ofSeconds(15)).until(() -> registry.isAlive("rebind@h6w"));
        assertThat(events.connectCount()).as("heard on the same subscription, not after a reconnect").isEqualTo(1);
    }

    /**
     * A worker of another Celery app on the same vhost / DB, with remote control disabled: it sends
     * heartbeats but answers no broadcast. It consumes none of the source's queues, so the source
     * keeps polling and counting its own worker's tasks.
     */
    @ParameterizedTest
    @EnumSource(Broker.class)
    void aWorkerOfAnotherAppThatAnswersNoBroadcastDoesNotBreakTheSource(Broker b) throws Exception {
        String queue = "h6w-ours";
        // The other app's queue is not one of the source's: its worker need not answer.
        RunningAdapter adapter = adapter(b, "    workerReplyTimeout: 1500ms\n", queue);
        alsoCleanUp.add("h6w-other");
        worker(CeleryWorker.Options.of(b.celeryUrl(), "ours@h6w", queue).concurrency(2), Map.of(), List.of());
        worker(CeleryWorker.Options.of(b.celeryUrl(), "other@h6w", "h6w-other"),
                Map.of("CELERY_REMOTE_CONTROL", "0"), List.of());
        CeleryWorkerTracker tracker = (CeleryWorkerTracker) adapter.adapter().workers().entries().get(0).tracker();
        await().atMost(Duration.ofSeconds(15)).until(() -> tracker.registry().worker("other@h6w")
                .map(w -> w.aliveAt(Instant.now()) && w.heartbeats() > 3).orElse(false));

        CeleryWorker.enqueue(b.celeryUrl(), queue, 2, 40, null);
        Instant enqueued = Instant.now();
        TreeSet<String> errors = new TreeSet<>();
        List<String> off = new ArrayList<>();
        Instant lastTaken = null;
        int fresh = 0;
        while (Instant.now().isBefore(enqueued.plusSeconds(20))) {
            SourceState state = adapter.adapter().store().state("celery");
            if (state.lastError() != null) {
                errors.add(state.lastError());
            }
            Instant taken = adapter.snapshotTakenAt("celery");
            if (taken != null && !taken.equals(lastTaken) && taken.isAfter(enqueued.plusSeconds(5))) {
                fresh++;
                double running = adapter.metric("queue_running", "celery", queue);
                double outstanding = adapter.metric("queue_outstanding", "celery", queue);
                if (running != 2 || outstanding != 2) {
                    off.add(taken + " running=" + running + " outstanding=" + outstanding);
                }
            }
            lastTaken = taken;
            Thread.sleep(500);
        }
        assertThat(errors).as("poll errors").isEmpty();
        assertThat(off).as("polls that did not see the 2 running tasks").isEmpty();
        assertThat(fresh).as("fresh polls in 15 s").isGreaterThanOrEqualTo(5);
    }
}
