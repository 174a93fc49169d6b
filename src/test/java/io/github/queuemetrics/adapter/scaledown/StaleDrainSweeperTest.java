package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drains no scale-down asks for any more are undone after undoAfter; pods being removed stay drained. */
class StaleDrainSweeperTest {

    static final Instant NOW = Instant.parse("2026-12-01T22:00:00Z");
    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45),
            List.of(WK));

    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-0", "q").worker("celery@wk-1", "q")
            .worker("celery@wk-2");
    final DrainMarks marks = new DrainMarks(CONFIG.undoAfter());
    final StaleDrainSweeper sweeper = new StaleDrainSweeper(cluster, CONFIG, Map.of("rabbit", workers),
            new DrainUndo(cluster, marks, new ScaleDownMetrics(new SimpleMeterRegistry())),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aDrainNotAskedForWithinUndoAfterIsUndone() {
        // 3 -> 2 was denied, then the HPA stopped asking (its desired count went back to 3).
        cluster.marked("wk-2", new DrainMark(NOW.minusSeconds(100), List.of("q"), NOW.minusSeconds(45)));
        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW.minusSeconds(45));

        assertThat(sweeper.sweep()).isEqualTo(1);

        assertThat(workers.commands).containsExactly("add_consumer celery@wk-2 [q]");
        assertThat(cluster.writes).containsExactly("clear wk-2");
        assertThat(sweeper.sweep()).isZero();
    }

    @Test
    void aDrainAskedForRecentlyStays() {
        cluster.marked("wk-2", new DrainMark(NOW.minusSeconds(100), List.of("q"), NOW.minusSeconds(44)));
        assertThat(sweeper.sweep()).isZero();
        assertThat(workers.commands).isEmpty();
    }

    @Test
    void aPodAboveTheCurrentReplicasIsBeingRemovedAndStaysDrained() {
        cluster.shape = new WorkloadCluster.StatefulSetShape("wk", 2, 0, Map.of("app", "wk"));
        cluster.marked("wk-2", new DrainMark(NOW.minusSeconds(600), List.of("q"), NOW.minusSeconds(600)));
        assertThat(sweeper.sweep()).isZero();
        assertThat(workers.commands).isEmpty();
    }

    @Test
    void aDeploymentsStaleDrainsAreUndone() {
        Workload web = new Workload(WorkloadKind.DEPLOYMENT, "workers", "web", "rabbit", "celery@{pod}");
        FakeCluster deployment = FakeCluster.deployment("web", 2, "web-a", "web-b");
        FakeWorkers w = new FakeWorkers().worker("celery@web-a").worker("celery@web-b");
        deployment.marked("web-a", new DrainMark(NOW.minusSeconds(100), List.of("q"), NOW.minusSeconds(45)));
        deployment.marked("web-b", new DrainMark(NOW.minusSeconds(100), List.of("q"), NOW.minusSeconds(10)));
        StaleDrainSweeper s = new StaleDrainSweeper(deployment, new ScaleDownConfig(Duration.ofMinutes(10),
                Duration.ofSeconds(45), List.of(web)), Map.of("rabbit", w), new DrainUndo(deployment,
                new DrainMarks(Duration.ofSeconds(45)), new ScaleDownMetrics(new SimpleMeterRegistry())),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(s.sweep()).isEqualTo(1);
        assertThat(w.commands).containsExactly("add_consumer celery@web-a [q]");
    }

    @Test
    void aFailingApiIsRetriedOnTheNextPass() {
        cluster.marked("wk-2", new DrainMark(NOW.minusSeconds(100), List.of("q"), NOW.minusSeconds(50)));
        cluster.failWith = new IllegalStateException("API down");
        assertThat(sweeper.sweep()).isZero();
        cluster.failWith = null;
        assertThat(sweeper.sweep()).isEqualTo(1);
    }
}
