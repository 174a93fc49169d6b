package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Done;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The long poll: checks on a timer until idle, ends when the caller hangs up, fails open. */
class PreStopServiceTest {

    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45),
            List.of(WK));

    final Vertx vertx = Vertx.vertx();
    final WorkerExecutor pool = vertx.createSharedWorkerExecutor("pre-stop-test", 2);
    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-1", "q");
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final PreStopService service = new PreStopService(vertx, pool, registry, Duration.ofMillis(20));
    final List<String> lines = new CopyOnWriteArrayList<>();
    volatile RuntimeException lookupFails;
    volatile RuntimeException loadsFail;
    /** The fake workers, with a switch that makes the load query throw (a broker gone mid-wait). */
    final WorkerControl control = new WorkerControl() {
        @Override
        public boolean alive(String worker) {
            return workers.alive(worker);
        }

        @Override
        public Optional<List<String>> consumedQueues(String worker) {
            return workers.consumedQueues(worker);
        }

        @Override
        public void stopConsuming(String worker, List<String> queues) {
            workers.stopConsuming(worker, queues);
        }

        @Override
        public void resumeConsuming(String worker, List<String> queues) {
            workers.resumeConsuming(worker, queues);
        }

        @Override
        public Map<String, WorkerLoad> loads(List<String> names) {
            if (loadsFail != null) {
                throw loadsFail;
            }
            return workers.loads(names);
        }
    };

    PreStopServiceTest() {
        service.started(new PodDrain(this::pod, cluster, CONFIG, Map.of("rabbit", control),
                new DrainMarks(CONFIG.undoAfter()), new ScaleDownMetrics(registry), Clock.systemUTC()));
    }

    private Optional<PodFacts> pod(String namespace, String name) {
        if (lookupFails != null) {
            throw lookupFails;
        }
        return Optional.ofNullable(cluster.pods.get(name))
                .map(s -> new PodFacts(s, Map.of(), List.of(new Owner("StatefulSet", "wk"))));
    }

    @AfterEach
    void close() {
        vertx.close();
    }

    private Done drain(AtomicBoolean gone) throws Exception {
        return service.drain("workers", "wk-1", Optional.empty(), lines::add, gone::get)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void answersOnceTheWorkerFinishedItsTask() throws Exception {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        java.util.concurrent.atomic.AtomicLong finishedAt = new java.util.concurrent.atomic.AtomicLong();
        vertx.setTimer(300, id -> pool.executeBlocking(() -> {
            finishedAt.set(System.nanoTime());
            workers.finishes("celery@wk-1");
            return null;
        }));
        Done done = drain(new AtomicBoolean());
        long answeredAt = System.nanoTime();
        // Answered after the task finished, not before.
        assertThat(finishedAt.get()).isPositive().isLessThanOrEqualTo(answeredAt);
        assertThat(done.outcome()).isEqualTo("idle");
        // One line per change, not one per check.
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("draining pod workers/wk-1 of StatefulSet workers/wk");
        assertThat(lines.get(1)).isEqualTo("waiting: worker celery@wk-1 runs tasks.sleep[t1]");
        assertThat(registry.get("adapter.prestop").tag("outcome", "idle").counter().count()).isEqualTo(1);
    }

    @Test
    void stopsWaitingWhenTheCallerHangsUp() throws Exception {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        AtomicBoolean gone = new AtomicBoolean();
        vertx.setTimer(200, id -> gone.set(true));
        assertThat(drain(gone).outcome()).isEqualTo("caller_gone");
    }

    @Test
    void anInternalFailureEndsTheWaitAtOnceAndIsCounted() throws Exception {
        lookupFails = new IllegalStateException("API down");
        Done done = drain(new AtomicBoolean());
        assertThat(done.outcome()).isEqualTo("failed_open");
        assertThat(done.message()).contains("API down");
        assertThat(registry.get("adapter.prestop").tag("outcome", "failed_open").counter().count()).isEqualTo(1);
    }

    @Test
    void aFailureWhileWaitingFailsOpenToo() throws Exception {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        vertx.setTimer(200, id -> loadsFail = new IllegalStateException("broker down"));
        Done done = drain(new AtomicBoolean());
        assertThat(done.outcome()).isEqualTo("failed_open");
        assertThat(done.message()).contains("broker down");
    }

    @Test
    void beforeTheHookStartedNothingIsWaitedFor() throws Exception {
        PreStopService notStarted = new PreStopService(vertx, pool, registry, Duration.ofMillis(20));
        notStarted.notConfigured();
        Done done = notStarted.drain("workers", "wk-1", Optional.empty(), lines::add, () -> false)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(done.outcome()).isEqualTo("not_guarded");
        assertThat(done.message()).endsWith("no scaleDown: in the configuration");
    }
}
