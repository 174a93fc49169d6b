package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.StatefulSetShape;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The informers against the mock API server (CRUD mode, which serves watches): what they see, that
 * a synced cache is read without a request, and that reads are GET/LIST before the sync, after
 * the informers stopped and right after the hook wrote a pod. Each test has its own namespace.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadInformersTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void beforeTheyStartEveryReadIsAGetOrAList() {
        statefulSet("before", "wk", "wk");
        pod("before", "wk-0", "wk", "Running");
        WorkloadInformers informers = new WorkloadInformers(client, List.of(guarded("before", "wk")));
        KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client, informers);

        StatefulSetShape shape = requests(1, () -> cluster.statefulSet("before", "wk")).orElseThrow();
        assertThat(requests(1, () -> cluster.pods("before", shape))).containsOnlyKeys("wk-0");
        informers.close();
    }

    @Test
    void aSyncedCacheSeesAPodCreatedChangedAndDeletedWithoutARequest() {
        statefulSet("watched", "wk", "wk");
        statefulSet("watched", "unguarded", "unguarded");
        try (WorkloadInformers informers = new WorkloadInformers(client, List.of(guarded("watched", "wk")))) {
            KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client, informers);
            informers.start();
            StatefulSetShape shape = new StatefulSetShape("wk", 2, 0, Map.of("app", "wk"));
            awaitCached(() -> cluster.pods("watched", shape));
            // only the guarded workload's selector is watched
            assertThat(informers.podScopes()).containsExactly("watched {app=wk}");
            assertThat(requests(0, () -> cluster.statefulSet("watched", "wk"))).contains(shape);

            pod("watched", "wk-0", "wk", "Pending");
            pod("watched", "unguarded-0", "unguarded", "Running");
            awaitFromCache(() -> cluster.pods("watched", shape),
                    pods -> assertThat(pods).containsOnlyKeys("wk-0").extractingByKey("wk-0")
                            .extracting(PodState::running).isEqualTo(false));

            client.pods().inNamespace("watched").withName("wk-0").edit(p -> new PodBuilder(p).editStatus()
                    .withPhase("Running").endStatus().build());
            awaitFromCache(() -> cluster.pods("watched", shape),
                    pods -> assertThat(pods.get("wk-0").running()).isTrue());

            client.pods().inNamespace("watched").withName("wk-0").delete();
            awaitFromCache(() -> cluster.pods("watched", shape), pods -> assertThat(pods).isEmpty());
        }
    }

    @Test
    void aReviewReadsItsOwnWriteAndTheCacheOnceTheWatchBroughtItBack() {
        statefulSet("writes", "wk", "wk");
        pod("writes", "wk-0", "wk", "Running");
        try (WorkloadInformers informers = new WorkloadInformers(client, List.of(guarded("writes", "wk")))) {
            KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client, informers);
            informers.start();
            StatefulSetShape shape = cluster.statefulSet("writes", "wk").orElseThrow();
            awaitCached(() -> cluster.pods("writes", shape));

            DrainMark mark = new DrainMark(Instant.parse("2026-12-07T19:00:00Z"), List.of("q"));
            cluster.markDraining("writes", "wk-0", mark);
            // at once: from the cache if the watch was that quick, else by a LIST
            assertThat(cluster.pods("writes", shape).get("wk-0").drain()).contains(mark);
            awaitFromCache(() -> cluster.pods("writes", shape),
                    pods -> assertThat(pods.get("wk-0").drain()).contains(mark));
        }
    }

    @Test
    void stoppedInformersFallBackToGetAndList() {
        client.apps().deployments().inNamespace("stopped").resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace("stopped").endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .endSpec().build()).create();
        pod("stopped", "web-abc", "web", "Running");
        Workload web = new Workload(WorkloadKind.DEPLOYMENT, "stopped", "web", "rabbit", "celery@{pod}");
        WorkloadInformers informers = new WorkloadInformers(client, List.of(web));
        KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client, informers);
        informers.start();
        awaitCached(() -> cluster.podsMatching("stopped", Map.of("app", "web")));
        assertThat(requests(0, () -> cluster.deployment("stopped", "web"))).isPresent();

        informers.close();

        assertThat(requests(1, () -> cluster.deployment("stopped", "web")).orElseThrow().replicas()).isEqualTo(3);
        assertThat(requests(1, () -> cluster.podsMatching("stopped", Map.of("app", "web")))).containsOnlyKeys("web-abc");
    }

    @Test
    void theReplicaGaugesReadTheCache() {
        client.apps().statefulSets().inNamespace("gauges").resource(new StatefulSetBuilder()
                .withNewMetadata().withName("wk").withNamespace("gauges").endMetadata()
                .withNewSpec().withReplicas(4).withNewSelector().addToMatchLabels("app", "wk").endSelector().endSpec()
                .withNewStatus().withReplicas(2).endStatus().build()).create();
        Workload wk = guarded("gauges", "wk");
        try (WorkloadInformers informers = new WorkloadInformers(client, List.of(wk))) {
            WorkloadReplicaReader reader = new WorkloadReplicaReader(client, informers);
            informers.start();
            awaitCached(() -> reader.read(wk, List.of()));
            assertThat(requests(0, () -> reader.read(wk, List.of()))).contains(new WorkloadReplicaReader.Replicas(2, 4, ""));
        }
    }

    static Workload guarded(String namespace, String name) {
        return new Workload(WorkloadKind.STATEFUL_SET, namespace, name, "rabbit", "celery@{pod}");
    }

    static void statefulSet(String namespace, String name, String app) {
        client.apps().statefulSets().inNamespace(namespace).resource(new StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", app).endSelector().endSpec()
                .build()).create();
    }

    static Pod pod(String namespace, String name, String app, String phase) {
        return client.pods().inNamespace(namespace).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).addToLabels("app", app).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build()).create();
    }

    /** {@code read}'s answer, asserting it made exactly {@code expected} requests to the API server. */
    static <T> T requests(int expected, Supplier<T> read) {
        int before = server.getRequestCount();
        T answer = read.get();
        assertThat(server.getRequestCount() - before).as("requests made by the read").isEqualTo(expected);
        return answer;
    }

    /** Waits until {@code read} is answered from the cache (no request): the informers synced. */
    static void awaitCached(Supplier<?> read) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> requests(0, read));
    }

    /** Waits until {@code read}, answered from the cache, satisfies {@code check}. */
    static <T> void awaitFromCache(Supplier<T> read, java.util.function.Consumer<T> check) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> check.accept(requests(0, read)));
    }
}
