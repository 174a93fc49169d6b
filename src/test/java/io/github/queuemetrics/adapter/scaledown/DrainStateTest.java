package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drain state: the pod annotations' round trip, and the in-memory marks the probes read. */
class DrainStateTest {

    static final Instant NOW = Instant.parse("2026-12-01T22:00:00Z");

    @Test
    void annotationsRoundTrip() {
        DrainMark mark = new DrainMark(NOW, List.of("a,b", "celery"));
        Map<String, String> annotations = DrainAnnotations.write(mark);
        assertThat(annotations).containsEntry("queuemetrics.github.io/draining-since", "2026-12-01T22:00:00Z")
                .containsEntry("queuemetrics.github.io/drained-queues", "[\"a,b\",\"celery\"]");
        assertThat(DrainAnnotations.read(annotations)).contains(mark);
        assertThat(DrainAnnotations.read(Map.of())).isEmpty();
        assertThat(DrainAnnotations.read(null)).isEmpty();
        assertThat(DrainAnnotations.read(Map.of(DrainAnnotations.SINCE, "yesterday"))).isEmpty();
        assertThat(DrainAnnotations.read(Map.of(DrainAnnotations.SINCE, NOW.toString())))
                .contains(new DrainMark(NOW, List.of()));
    }

    @Test
    void aMarkLapsesUndoAfterTheLastReviewThatAskedForIt() {
        DrainMarks marks = new DrainMarks(Duration.ofSeconds(45));
        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW);

        assertThat(marks.drainingPod("workers", "wk-2", NOW.plusSeconds(44))).contains("draining: worker celery@wk-2 "
                + "of pod workers/wk-2 takes no new tasks since 2026-12-01T22:00:00Z (scale-down of StatefulSet "
                + "workers/wk)");
        assertThat(marks.drainingWorker("celery@wk-2", NOW)).isPresent();
        assertThat(marks.drainingPod("other", "wk-2", NOW)).isEmpty();
        assertThat(marks.drainingPod("workers", "wk-2", NOW.plusSeconds(45))).isEmpty();

        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW.plusSeconds(40));
        assertThat(marks.drainingPod("workers", "wk-2", NOW.plusSeconds(60))).isPresent();
        marks.undrained("workers", "wk-2");
        assertThat(marks.drainingWorker("celery@wk-2", NOW)).isEmpty();
    }

    @Test
    void drainingWorkersReadAsNotReadyOnTheirProbes() {
        WorkerDirectory directory = new WorkerDirectory();
        DrainMarks marks = new DrainMarks(Duration.ofSeconds(45));
        directory.drainingFrom(marks);
        marks.draining("workers", "wk-2", "celery@wk-2", "StatefulSet workers/wk", NOW, NOW);

        var pod = directory.probePod("workers", "wk-2", NOW);
        assertThat(pod.httpStatus()).isEqualTo(503);
        assertThat(pod.reason()).startsWith("draining: worker celery@wk-2");
        var worker = directory.probe(WorkerKind.CELERY, "celery@wk-2", NOW);
        assertThat(worker.httpStatus()).isEqualTo(503);
        assertThat(worker.reason()).startsWith("draining:");
        // others are answered as before (here: no tracker at all)
        assertThat(directory.probePod("workers", "wk-1", NOW).reason()).doesNotContain("draining");
    }
}
