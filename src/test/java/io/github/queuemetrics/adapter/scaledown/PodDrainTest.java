package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.testsupport.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Done;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Draining;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Waiting;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pre-stop hook's blocking steps: what it waits for, and what it answers at once. */
class PodDrainTest {

    static final Instant T0 = Instant.parse("2026-12-01T22:00:00Z");
    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45),
            List.of(WK));

    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-0", "q").worker("celery@wk-1", "q")
            .worker("celery@wk-2", "q");
    final DrainMarks marks = new DrainMarks(CONFIG.undoAfter());
    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final PodDrain drain = new PodDrain(this::pod, cluster, CONFIG, Map.of("rabbit", workers), marks,
            new ScaleDownMetrics(registry), clock);
    List<Owner> owners = List.of(new Owner("StatefulSet", "wk"));

    private Optional<PodFacts> pod(String namespace, String name) {
        return Optional.ofNullable(cluster.pods.get(name))
                .map(state -> new PodFacts(state, Map.of("app", "wk"), owners));
    }

    @Test
    void aBusyWorkerStopsConsumingAndIsWaitedForUntilIdle() {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");

        Draining draining = (Draining) drain.begin("workers", "wk-1", Optional.empty());

        assertThat(workers.commands).contains("cancel_consumer celery@wk-1 [q]");
        assertThat(cluster.writes).contains("mark wk-1 [q]").anyMatch(w -> w.startsWith(
                "Normal PreStopDraining StatefulSet workers/wk: pod wk-1 (worker celery@wk-1) is terminating"));
        assertThat(marks.drainingPod("workers", "wk-1", T0)).isPresent();
        assertThat(drain.check(draining)).isEqualTo(new Waiting("worker celery@wk-1 runs tasks.sleep[t1]"));

        workers.finishes("celery@wk-1");
        clock.set(T0.plusSeconds(7));
        Done done = (Done) drain.check(draining);
        assertThat(done.outcome()).isEqualTo("idle");
        assertThat(done.message()).isEqualTo("worker celery@wk-1 of pod wk-1 is idle after 7 s");
        drain.finished(draining);
        assertThat(marks.drainingPod("workers", "wk-1", clock.instant())).isEmpty();
    }

    @Test
    void theMarkIsRefreshedWhileWaitingSoTheSweepDoesNotUndoIt() {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        Draining draining = (Draining) drain.begin("workers", "wk-1", Optional.empty());
        clock.set(T0.plusSeconds(14));
        drain.check(draining);
        assertThat(cluster.pods.get("wk-1").drain().orElseThrow().lastAsked()).isEqualTo(T0);
        clock.set(T0.plusSeconds(15));
        drain.check(draining);
        assertThat(cluster.pods.get("wk-1").drain().orElseThrow().lastAsked()).isEqualTo(T0.plusSeconds(15));
        assertThat(cluster.pods.get("wk-1").drain().orElseThrow().since()).isEqualTo(T0);
    }

    @Test
    void drainTimeoutCountsFromAScaleDownsEarlierDrainAndTheCallersLimitCapsIt() {
        workers.runs("celery@wk-2", "tasks.sleep", "t2");
        cluster.marked("wk-2", new DrainMark(T0.minusSeconds(590), List.of("q"), T0.minusSeconds(5)));
        Draining draining = (Draining) drain.begin("workers", "wk-2", Optional.of(Duration.ofSeconds(30)));
        assertThat(draining.deadline).isEqualTo(T0.plusSeconds(10));
        clock.set(T0.plusSeconds(10));
        Done done = (Done) drain.check(draining);
        assertThat(done.outcome()).isEqualTo("timeout");
        assertThat(done.message()).startsWith("pod wk-2 (worker celery@wk-2) still runs tasks.sleep[t2] after 600 s");
        assertThat(cluster.writes).anyMatch(w -> w.startsWith("Warning PreStopDrainTimeout StatefulSet workers/wk"));
        assertThat(registry.get("adapter.drains").tag("event", "timeout").counter().count()).isEqualTo(1);

        Draining capped = (Draining) drain.begin("workers", "wk-1", Optional.of(Duration.ofSeconds(30)));
        assertThat(capped.deadline).isEqualTo(T0.plusSeconds(40));
    }

    @Test
    void aWorkerThatDoesNotAnswerIsWaitedFor() {
        Draining draining = (Draining) drain.begin("workers", "wk-1", Optional.empty());
        workers.silent.add("celery@wk-1");
        assertThat(drain.check(draining)).isEqualTo(new Waiting("worker celery@wk-1 did not answer"));
    }

    @Test
    void nothingToWaitForIsAnsweredAtOnce() {
        assertThat(((Done) drain.begin("workers", "nope-0", Optional.empty())).outcome()).isEqualTo("no_pod");

        workers.alive.remove("celery@wk-0");
        Done gone = (Done) drain.begin("workers", "wk-0", Optional.empty());
        assertThat(gone.outcome()).isEqualTo("worker_gone");
        assertThat(gone.message()).isEqualTo("pod workers/wk-0 of StatefulSet workers/wk (owner StatefulSet wk): "
                + "worker celery@wk-0 sends no heartbeats (gone): it holds nothing");

        cluster.notRunning("wk-1");
        assertThat(((Done) drain.begin("workers", "wk-1", Optional.empty())).outcome()).isEqualTo("not_running");

        owners = List.of(new Owner("StatefulSet", "other"));
        Done notGuarded = (Done) drain.begin("workers", "wk-2", Optional.empty());
        assertThat(notGuarded.outcome()).isEqualTo("not_guarded");
        assertThat(notGuarded.message()).contains("belongs to no workload in scaleDown.workloads");
        assertThat(workers.commands).isEmpty();
        assertThat(cluster.writes).isEmpty();
    }

    @Test
    void aWorkerThatLeavesWhileWaitedForEndsTheWait() {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        Draining draining = (Draining) drain.begin("workers", "wk-1", Optional.empty());
        workers.alive.remove("celery@wk-1");
        assertThat(((Done) drain.check(draining)).outcome()).isEqualTo("worker_gone");
    }

}
