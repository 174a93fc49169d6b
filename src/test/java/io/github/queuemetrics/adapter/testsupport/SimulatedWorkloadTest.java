package io.github.queuemetrics.adapter.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload.Kind;
import org.junit.jupiter.api.Test;

/** The simulations' use of fabric8's mock API server (CRUD mode), without workers. */
@EnableKubernetesMockClient(crud = true)
class SimulatedWorkloadTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    @Test
    void scaleWritesSpecReplicasOfBothKinds() {
        for (Kind kind : Kind.values()) {
            SimulatedWorkload w = new SimulatedWorkload(kind, "ns", "w-" + kind.resource());
            w.create(client, 1);
            w.scale(client, 4);
            assertThat(w.replicas(client)).as(kind.kindName()).isEqualTo(4);
        }
    }

    @Test
    void readyFollowsTheReadyConditionWrittenThroughTheStatus() {
        SimulatedWorkload w = new SimulatedWorkload(Kind.STATEFUL_SET, "ns", "r");
        client.pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName("r-0").withNamespace("ns")
                .addToLabels(w.labels()).endMetadata().withNewStatus().withPhase("Running").addNewCondition()
                .withType("Ready").withStatus("False").endCondition().endStatus().build()).create();
        assertThat(w.pods(client)).singleElement().satisfies(p -> assertThat(SimulatedWorkload.ready(p)).isFalse());
        client.pods().inNamespace("ns").withName("r-0").editStatus(p -> {
            p.getStatus().getConditions().get(0).setStatus("True");
            return p;
        });
        assertThat(w.pods(client)).singleElement().satisfies(p -> assertThat(SimulatedWorkload.ready(p)).isTrue());
    }

    @Test
    void aPodThatGoesKeepsItsObjectWithADeletionTimestampAsTheApiServerDoes() {
        SimulatedWorkload w = new SimulatedWorkload(Kind.DEPLOYMENT, "ns", "d");
        client.pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName("d-0").withNamespace("ns")
                .addToLabels(w.labels()).addToFinalizers(KubeletSimulator.FINALIZER).endMetadata().build()).create();
        KubeletSimulator kubelet = new KubeletSimulator(client, w, pod -> null, pod -> true);
        kubelet.markDeleting("d-0");
        assertThat(w.pods(client)).singleElement()
                .satisfies(p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
        kubelet.removeObject("d-0");
        assertThat(w.pods(client)).isEmpty();
    }

    @Test
    void aDeletionCostThatIsNotAnInt32CountsAsZero() {
        assertThat(SimulatedWorkload.deletionCost(pod("-1000000"))).isEqualTo(-1000000);
        assertThat(SimulatedWorkload.deletionCost(pod("+1"))).isZero();
        assertThat(SimulatedWorkload.deletionCost(pod("007"))).isZero();
        assertThat(SimulatedWorkload.deletionCost(pod("3000000000"))).isZero();
        assertThat(SimulatedWorkload.deletionCost(pod(null))).isZero();
    }

    private static Pod pod(String cost) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p").endMetadata();
        if (cost != null) {
            b.editMetadata().addToAnnotations(SimulatedWorkload.DELETION_COST, cost).endMetadata();
        }
        return b.build();
    }
}
