package io.github.queuemetrics.adapter.workers.pulp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.workers.pulp.PulpWorker.RunningTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PulpWorkerTrackerTest {

    private static final Instant T0 = Instant.parse("2026-12-02T01:00:00Z");

    private static PulpWorker live(String name, String item) {
        return new PulpWorker(name, true, 3, 30, item == null ? null : new RunningTask("id-" + name, "task", item));
    }

    @Test
    void everyItemCountsEveryLiveWorkerAndItsOwnBusyOnes() {
        PulpWorkerTracker tracker = new PulpWorkerTracker(Duration.ofSeconds(30));
        tracker.accept(T0, List.of(live("1@a", "sync"), live("2@b", "export"), live("3@c", null),
                new PulpWorker("4@d", false, 90, 30, new RunningTask("x", "task", "sync"))));
        var items = tracker.refresh(List.of("sync", "export", "idle"), T0);
        assertThat(items.get("sync").total()).as("the gone worker d is not counted").isEqualTo(3);
        assertThat(items.get("sync").busy()).isEqualTo(1);
        assertThat(items.get("sync").utilization()).isEqualTo(1.0 / 3);
        assertThat(items.get("export").busy()).isEqualTo(1);
        assertThat(items.get("idle").busy()).isZero();
        assertThat(items.get("idle").running()).as("the source counts running tasks").isEqualTo(-1);
    }

    @Test
    void beforeAnyReadRefreshFailsAndProbesSaySo() {
        PulpWorkerTracker tracker = new PulpWorkerTracker(Duration.ofSeconds(30));
        assertThatThrownBy(() -> tracker.refresh(List.of("pulp"), T0)).hasMessageContaining("not read the workers");
        assertThat(tracker.probe("pod-a", T0).httpStatus()).isEqualTo(503);
        assertThat(tracker.knows("pod-a")).isFalse();
    }

    @Test
    void aPodNameFindsItsLiveWorkerOverAnOlderGoneOneAndStaleDataIsNotReady() {
        PulpWorkerTracker tracker = new PulpWorkerTracker(Duration.ofSeconds(10));
        tracker.accept(T0, List.of(new PulpWorker("7@pulp-worker-x.pulp.svc.cluster.local", false, 300, 30, null),
                live("9@pulp-worker-x.pulp.svc.cluster.local", "pulp")));
        assertThat(tracker.knows("pulp-worker-x")).isTrue();
        var probe = tracker.probe("pulp-worker-x", T0.plusSeconds(5));
        assertThat(probe.ready()).isTrue();
        assertThat(probe.reason()).startsWith("Pulp worker 9@pulp-worker-x").contains("running task id-9@");
        assertThat(tracker.probe("7@pulp-worker-x.pulp.svc.cluster.local", T0).reason())
                .isEqualTo("Pulp worker 7@pulp-worker-x.pulp.svc.cluster.local is gone: last heartbeat 300 s ago,"
                        + " Pulp's timeout 30 s");
        var stale = tracker.probe("pulp-worker-x", T0.plusSeconds(11));
        assertThat(stale.httpStatus()).isEqualTo(503);
        assertThat(stale.reason()).startsWith("no fresh Pulp worker data");
        assertThat(tracker.workers(T0)).extracting(w -> w.worker() + "=" + w.alive() + "/" + w.busySlots())
                .containsExactly("7@pulp-worker-x.pulp.svc.cluster.local=false/0",
                        "9@pulp-worker-x.pulp.svc.cluster.local=true/1");
    }
}
