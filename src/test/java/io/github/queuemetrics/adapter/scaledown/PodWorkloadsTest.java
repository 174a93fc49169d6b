package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A pod's guarded workload: from its owner references, and from selectors only for a pod without owners. */
class PodWorkloadsTest {

    static final Workload STS = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final Workload WEB = new Workload(WorkloadKind.DEPLOYMENT, "workers", "web", "rabbit", "celery@{pod}");
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45),
            List.of(STS, WEB));

    final FakeCluster cluster = FakeCluster.deployment("web", 2, "web-5d8f7c9b4-abcde");

    {
        cluster.shape = new WorkloadCluster.StatefulSetShape("wk", 3, 0, Map.of("app", "wk"));
    }

    static PodFacts pod(String name, Map<String, String> labels, Owner... owners) {
        return new PodFacts(new PodState(name, true, Optional.empty()), labels, List.of(owners));
    }

    private Optional<Workload> of(PodFacts pod) {
        return PodWorkloads.of(CONFIG, cluster, "workers", pod).map(PodWorkloads.Found::workload);
    }

    @Test
    void aStatefulSetOwnsItsPods() {
        assertThat(of(pod("wk-1", Map.of(), new Owner("StatefulSet", "wk")))).contains(STS);
    }

    @Test
    void aDeploymentIsFoundThroughItsReplicaSetsNameAndThePodTemplateHash() {
        assertThat(of(pod("web-5d8f7c9b4-abcde", Map.of("app", "web", "pod-template-hash", "5d8f7c9b4"),
                new Owner("ReplicaSet", "web-5d8f7c9b4")))).contains(WEB);
        // A ReplicaSet not made by a Deployment (no matching hash) is not guarded.
        assertThat(of(pod("web-x", Map.of("app", "web"), new Owner("ReplicaSet", "web-5d8f7c9b4")))).isEmpty();
    }

    @Test
    void anOwnerThatIsNotGuardedWinsOverAMatchingSelector() {
        assertThat(of(pod("wk-1", Map.of("app", "wk"), new Owner("StatefulSet", "other")))).isEmpty();
        assertThat(of(pod("web-1", Map.of("app", "web"), new Owner("Job", "migrate")))).isEmpty();
    }

    @Test
    void aPodWithoutOwnersIsMatchedBySelector() {
        assertThat(of(pod("web-a", Map.of("app", "web", "tier", "x")))).contains(WEB);
        assertThat(of(pod("wk-2", Map.of("app", "wk")))).contains(STS);
        // The StatefulSet's selector, but not one of its pod names.
        assertThat(of(pod("stray", Map.of("app", "wk")))).isEmpty();
        assertThat(of(pod("lonely", Map.of()))).isEmpty();
    }
}
