package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.StatefulSetShape;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fabric8 side against the mock API server in CRUD mode: shape, pods, annotations, events. */
@EnableKubernetesMockClient(crud = true)
class KubernetesWorkloadClusterTest {

    static KubernetesClient client;

    @Test
    void readsTheShapeAndPodsAndKeepsTheDrainOnThePods() {
        client.apps().statefulSets().inNamespace("ns").resource(new StatefulSetBuilder()
                .withNewMetadata().withName("wk").withNamespace("ns").endMetadata()
                .withNewSpec().withReplicas(2).withNewOrdinals().withStart(3).endOrdinals()
                .withNewSelector().addToMatchLabels("app", "wk").endSelector().endSpec().build()).create();
        pod("wk-3", "wk", "Running");
        pod("wk-4", "wk", "Pending");
        pod("wk-extra-1", "wk", "Running"); // another StatefulSet's pod under an overlapping selector
        pod("other-0", "other", "Running");
        KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client);

        StatefulSetShape shape = cluster.statefulSet("ns", "wk").orElseThrow();
        assertThat(shape).isEqualTo(new StatefulSetShape("wk", 2, 3, Map.of("app", "wk")));
        assertThat(cluster.statefulSet("ns", "missing")).isEmpty();
        Map<String, PodState> pods = cluster.pods("ns", shape);
        assertThat(pods).containsOnlyKeys("wk-3", "wk-4");
        assertThat(pods.get("wk-3").running()).isTrue();
        assertThat(pods.get("wk-4").running()).isFalse();

        DrainMark mark = new DrainMark(Instant.parse("2026-12-01T22:00:00Z"), List.of("q"),
                Instant.parse("2026-12-01T22:00:15Z"));
        cluster.markDraining("ns", "wk-4", mark);
        assertThat(cluster.pods("ns", shape).get("wk-4").drain()).contains(mark);
        assertThat(client.pods().inNamespace("ns").withName("wk-4").get().getMetadata().getLabels())
                .containsEntry("app", "wk"); // a merge patch: the rest of the pod is untouched

        // the drain's end observed: read back by any replica, kept when the mark is written again
        cluster.markDrainEnded("ns", "wk-4", mark);
        assertThat(cluster.pods("ns", shape).get("wk-4").drain()).contains(new DrainMark(mark.since(), List.of("q"),
                mark.lastAsked(), true));
        cluster.markDraining("ns", "wk-4", mark);
        assertThat(cluster.pods("ns", shape).get("wk-4").drain().orElseThrow().ended()).isTrue();
        // a new drain (another since) is not ended
        cluster.markDraining("ns", "wk-4", new DrainMark(Instant.parse("2026-12-01T23:00:00Z"), List.of("q")));
        assertThat(cluster.pods("ns", shape).get("wk-4").drain().orElseThrow().ended()).isFalse();

        cluster.clearDraining("ns", "wk-4");
        assertThat(cluster.pods("ns", shape).get("wk-4").drain()).isEmpty();
        assertThat(client.pods().inNamespace("ns").withName("wk-4").get().getMetadata().getAnnotations())
                .doesNotContainKeys(DrainAnnotations.SINCE, DrainAnnotations.QUEUES, DrainAnnotations.ASKED,
                        DrainAnnotations.ENDED);
        cluster.clearDraining("ns", "gone-0"); // not an error

        cluster.event("ns", "StatefulSet", "wk", true, "ScaleDownDrainTimeout", "allowed anyway");
        assertThat(client.v1().events().inNamespace("ns").list().getItems()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("ScaleDownDrainTimeout");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("StatefulSet");
            assertThat(e.getSource().getComponent()).isEqualTo("queue-metrics-adapter");
        });
        assertThat(Optional.ofNullable(cluster.pods("ns", shape).get("wk-3").drain()).orElseThrow()).isEmpty();
    }

    @Test
    void aDeploymentsPodsAndTheirDeletionCost() {
        client.apps().deployments().inNamespace("dep").resource(new io.fabric8.kubernetes.api.model.apps
                .DeploymentBuilder().withNewMetadata().withName("web").withNamespace("dep").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .endSpec().build()).create();
        for (String name : List.of("web-5d8f-abcde", "web-5d8f-fghij")) {
            client.pods().inNamespace("dep").resource(new PodBuilder().withNewMetadata().withName(name)
                    .withNamespace("dep").addToLabels("app", "web").endMetadata().withNewStatus().withPhase("Running")
                    .endStatus().build()).create();
        }
        KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client);

        var shape = cluster.deployment("dep", "web").orElseThrow();
        assertThat(shape).isEqualTo(new WorkloadCluster.DeploymentShape("web", 2, Map.of("app", "web")));
        assertThat(cluster.podsMatching("dep", shape.selector())).containsOnlyKeys("web-5d8f-abcde", "web-5d8f-fghij");

        cluster.setDeletionCost("dep", "web-5d8f-abcde", DrainAnnotations.VICTIM_DELETION_COST);
        cluster.markDraining("dep", "web-5d8f-abcde", new DrainMark(Instant.parse("2026-12-01T22:00:00Z"),
                List.of("q")));
        assertThat(annotations("dep", "web-5d8f-abcde"))
                .containsEntry("controller.kubernetes.io/pod-deletion-cost", "-1000000");
        cluster.clearDraining("dep", "web-5d8f-abcde");
        assertThat(annotations("dep", "web-5d8f-abcde")).doesNotContainKeys(DrainAnnotations.DELETION_COST,
                DrainAnnotations.SINCE);

        // a cost someone else set is theirs
        cluster.setDeletionCost("dep", "web-5d8f-fghij", 100);
        cluster.markDraining("dep", "web-5d8f-fghij", new DrainMark(Instant.parse("2026-12-01T22:00:00Z"),
                List.of("q")));
        cluster.clearDraining("dep", "web-5d8f-fghij");
        assertThat(annotations("dep", "web-5d8f-fghij")).containsEntry(DrainAnnotations.DELETION_COST, "100");
    }

    private static Map<String, String> annotations(String ns, String pod) {
        return client.pods().inNamespace(ns).withName(pod).get().getMetadata().getAnnotations();
    }

    private static void pod(String name, String app, String phase) {
        client.pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("ns")
                .addToLabels("app", app).endMetadata().withNewStatus().withPhase(phase).endStatus().build()).create();
    }
}
