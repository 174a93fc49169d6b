package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.workers.celery.AmqpPidboxTransport;
import io.github.queuemetrics.adapter.workers.celery.CeleryControl;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook end to end: fabric8's mock API server in CRUD mode holds StatefulSet {@code wk}
 * (3 replicas, ordinals from 0) and its pods; a real Celery worker runs per pod, named
 * {@code celery@<pod>}, on RabbitMQ vhost i7-hook; the adapter reaches the mock server through
 * {@code --kubeconfig}. The reviews are the API server's AdmissionReviews for the HPA's PUT of
 * {@code statefulsets/scale}.
 */
@EnableKubernetesMockClient(crud = true)
class ScaleDownHookIT {

    static final String NS = "workers";
    static final String STS = "wk";
    static final String QUEUE = "i7-hook-tasks";
    static final ObjectMapper JSON = new ObjectMapper();

    static KubernetesMockServer server;
    static KubernetesClient client;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void aScaleDownWaitsForTheHighestOrdinalsTaskThenAScaleUpUndoesTheDrain() throws Exception {
        URI amqp = Brokers.rabbitVhost("i7-hook");
        String broker = Brokers.celeryBrokerUrl(amqp);
        statefulSetWithPods(3);

        // The long task goes to wk-2: it is the only worker when the task is sent.
        CeleryWorker wk2 = worker(broker, "wk-2");
        String taskId = CeleryWorker.enqueue(broker, QUEUE, 1, 14, null).get(0);
        wk2.process().awaitLine(l -> l.contains(taskId) && l.contains("received"), Duration.ofSeconds(20));
        CompletableFuture<CeleryWorker> wk0 = CompletableFuture.supplyAsync(() -> worker(broker, "wk-0"));
        CeleryWorker wk1 = worker(broker, "wk-1");
        wk0.join();

        RunningAdapter adapter = RunningAdapter.start(config(amqp), "--kubeconfig", kubeconfig().toString());
        cleanup.add(adapter);
        CeleryControl control = new CeleryControl(new AmqpPidboxTransport(amqp));
        cleanup.add(control);
        for (String pod : List.of("wk-0", "wk-1", "wk-2")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> adapter.probe("/probe/pod/" + NS + "/" + pod).status() == 200);
        }

        // A dry run answers the same but changes nothing.
        JsonNode dry = review(adapter, 3, 1, true);
        assertThat(dry.path("allowed").asBoolean()).isFalse();
        assertThat(annotations("wk-2")).doesNotContainKey(DrainAnnotations.SINCE);
        assertThat(consumed(control, "celery@wk-2")).containsExactly(QUEUE);

        // 3 -> 2: denied, naming wk-2 and its task; wk-2 stops consuming and is marked.
        JsonNode denied = review(adapter, 3, 2, false);
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(denied.path("status").path("message").asText())
                .contains("StatefulSet workers/wk 3 -> 2", "wk-2 (celery@wk-2) runs tasks.sleep[" + taskId + "]")
                .doesNotContain("wk-1");
        assertThat(consumed(control, "celery@wk-2")).isEmpty();
        assertThat(consumed(control, "celery@wk-1")).containsExactly(QUEUE);
        assertThat(annotations("wk-2")).containsKey(DrainAnnotations.SINCE)
                .containsEntry(DrainAnnotations.QUEUES, "[\"" + QUEUE + "\"]");
        RunningAdapter.Probe probe = adapter.probe("/probe/pod/" + NS + "/wk-2");
        assertThat(probe.status()).isEqualTo(503);
        assertThat(probe.body()).startsWith("draining: worker celery@wk-2");
        assertThat(adapter.probe("/probe/pod/" + NS + "/wk-1").status()).isEqualTo(200);
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("ScaleDownDraining");
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("StatefulSet");
            assertThat(e.getInvolvedObject().getName()).isEqualTo(STS);
            assertThat(e.getMessage()).startsWith("pod wk-2 (worker celery@wk-2) takes no new tasks from " + QUEUE);
        });

        // Asked again (as the HPA does every 15 s): denied while the task runs, allowed once it finished.
        assertThat(review(adapter, 3, 2, false).path("allowed").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> review(adapter, 3, 2, false).path("allowed").asBoolean());
        assertThat(review(adapter, 3, 2, false).path("status").path("message").asText())
                .isEqualTo("StatefulSet workers/wk 3 -> 2: allowed, wk-2 holds no tasks");

        // The HPA changed its mind (the pod was not removed yet): a scale-up undoes the drain.
        JsonNode up = review(adapter, 2, 3, false);
        assertThat(up.path("allowed").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(consumed(control, "celery@wk-2")).containsExactly(QUEUE);
            assertThat(annotations("wk-2")).doesNotContainKeys(DrainAnnotations.SINCE, DrainAnnotations.QUEUES);
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> adapter.probe("/probe/pod/" + NS + "/wk-2").status() == 200);

        // Drained again (idle: allowed at once), then the HPA stops asking without scaling up (its
        // desired count went back to 3, so it writes nothing): undoAfter later the drain is undone.
        assertThat(review(adapter, 3, 2, false).path("allowed").asBoolean()).isTrue();
        assertThat(consumed(control, "celery@wk-2")).isEmpty();
        assertThat(annotations("wk-2")).containsKey(DrainAnnotations.ASKED);
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(annotations("wk-2")).doesNotContainKeys(DrainAnnotations.SINCE, DrainAnnotations.ASKED);
            assertThat(consumed(control, "celery@wk-2")).containsExactly(QUEUE);
        });

        String scrape = adapter.scrape();
        assertThat(scrape).contains("adapter_scaledown_reviews_total{decision=\"denied\",kind=\"StatefulSet\","
                + "namespace=\"workers\",workload=\"wk\"}");
        assertThat(RunningAdapter.sample(scrape, "adapter_drains_total{event=\"undone\",kind=\"StatefulSet\","
                + "namespace=\"workers\",workload=\"wk\"}")).isEqualTo(2);
        wk1.close();
    }

    @Test
    void aDeploymentGivesUpItsIdlePodFirstAndWaitsForTheBusyOne() throws Exception {
        URI amqp = Brokers.rabbitVhost("i7-hook");
        String broker = Brokers.celeryBrokerUrl(amqp);
        String[] pods = {"web-a", "web-b", "web-c"};
        client.apps().deployments().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.apps
                .DeploymentBuilder().withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .endSpec().build()).create();
        for (String pod : pods) {
            client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS)
                    .addToLabels("app", "web").endMetadata().withNewStatus().withPhase("Running").endStatus()
                    .build()).create();
        }
        CeleryWorker a = worker(broker, "web-a");
        String taskId = CeleryWorker.enqueue(broker, QUEUE, 1, 10, null).get(0);
        a.process().awaitLine(l -> l.contains(taskId) && l.contains("received"), Duration.ofSeconds(20));
        CompletableFuture<CeleryWorker> b = CompletableFuture.supplyAsync(() -> worker(broker, "web-b"));
        worker(broker, "web-c");
        b.join();
        RunningAdapter adapter = RunningAdapter.start(config(amqp).replace("kind: StatefulSet", "kind: Deployment")
                .replace("name: " + STS + "\n", "name: web\n"), "--kubeconfig", kubeconfig().toString());
        cleanup.add(adapter);
        CeleryControl control = new CeleryControl(new AmqpPidboxTransport(amqp));
        cleanup.add(control);
        for (String pod : pods) {
            await().atMost(Duration.ofSeconds(20)).until(() -> adapter.probe("/probe/pod/" + NS + "/" + pod).status() == 200);
        }

        // 3 -> 2: an idle pod goes (web-b: cost 0, first by name), chosen by its deletion cost.
        JsonNode down = review(adapter, "deployments", "web", 3, 2, false);
        assertThat(down.path("status").path("message").asText())
                .isEqualTo("Deployment workers/web 3 -> 2: allowed, web-b holds no tasks");
        assertThat(annotations("web-b")).containsEntry("controller.kubernetes.io/pod-deletion-cost", "-1000000");
        assertThat(consumed(control, "celery@web-b")).isEmpty();
        assertThat(annotations("web-a")).doesNotContainKey("controller.kubernetes.io/pod-deletion-cost");

        // The HPA changed its mind: web-b gets its queue back and loses the hook's cost.
        assertThat(review(adapter, "deployments", "web", 2, 3, false).path("allowed").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(consumed(control, "celery@web-b")).containsExactly(QUEUE);
            assertThat(annotations("web-b")).doesNotContainKeys("controller.kubernetes.io/pod-deletion-cost",
                    DrainAnnotations.SINCE);
        });

        // 3 -> 0 needs web-a too, which runs the task: denied naming it until it finished.
        JsonNode denied = review(adapter, "deployments", "web", 3, 0, false);
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("status").path("message").asText())
                .contains("web-a (celery@web-a) runs tasks.sleep[" + taskId + "]");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> review(adapter, "deployments", "web", 3, 0, false).path("allowed").asBoolean());
    }

    /**
     * A worker started with {@code --without-heartbeat} runs a task on the victim: it must not read
     * as gone (which would let the scale-down through and kill the task). Before the fix the review
     * was allowed with "sends no heartbeats".
     */
    @Test
    void aVictimWithoutHeartbeatsIsAskedAndWaitedFor() throws Exception {
        URI amqp = Brokers.rabbitVhost("i7-hook");
        String broker = Brokers.celeryBrokerUrl(amqp);
        // The mock server lives as long as the class: start from no StatefulSet and no pods.
        client.apps().statefulSets().inNamespace(NS).withName(STS).delete();
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(NS).withName(STS + "-" + i).delete();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().inNamespace(NS).withName(STS + "-0").get() == null
                && client.apps().statefulSets().inNamespace(NS).withName(STS).get() == null);
        statefulSetWithPods(2);
        CeleryWorker wk1 = CeleryWorker.start(CeleryWorker.Options.of(broker, "celery@wk-1", QUEUE), Map.of(),
                List.of("--without-heartbeat"));
        cleanup.add(wk1);
        String taskId = CeleryWorker.enqueue(broker, QUEUE, 1, 12, null).get(0);
        wk1.process().awaitLine(l -> l.contains(taskId) && l.contains("received"), Duration.ofSeconds(20));
        cleanup.add(worker(broker, "wk-0"));

        RunningAdapter adapter = RunningAdapter.start(config(amqp), "--kubeconfig", kubeconfig().toString());
        cleanup.add(adapter);
        JsonNode denied = review(adapter, 2, 1, false);
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("status").path("message").asText())
                .contains("wk-1 (celery@wk-1) runs tasks.sleep[" + taskId + "]");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> review(adapter, 2, 1, false).path("allowed").asBoolean());
    }

    private JsonNode review(RunningAdapter adapter, int from, int to, boolean dryRun) throws Exception {
        return review(adapter, "statefulsets", STS, from, to, dryRun);
    }

    private JsonNode review(RunningAdapter adapter, String resource, String name, int from, int to, boolean dryRun)
            throws Exception {
        String uid = UUID.randomUUID().toString();
        long start = System.nanoTime();
        RunningAdapter.Probe answer = adapter.postSecure("/admission/scale",
                ScaleReviews.review(uid, resource, NS, name, from, to, dryRun));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode review = JSON.readTree(answer.body());
        assertThat(review.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.path("kind").asText()).isEqualTo("AdmissionReview");
        JsonNode response = review.path("response");
        assertThat(response.path("uid").asText()).isEqualTo(uid);
        // Not a timing assertion: a fail-open answer would make the test's expectations fail anyway.
        assertThat(response.path("status").path("message").asText()).as("answered in " + millis + " ms")
                .doesNotContain("hook failed");
        return response;
    }

    private static List<String> consumed(CeleryControl control, String worker) {
        return control.activeQueues(List.of(worker), Duration.ofSeconds(2)).get(worker);
    }

    private static Map<String, String> annotations(String pod) {
        Pod p = client.pods().inNamespace(NS).withName(pod).get();
        Map<String, String> a = p.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    private CeleryWorker worker(String broker, String pod) {
        CeleryWorker w = CeleryWorker.start(CeleryWorker.Options.of(broker, "celery@" + pod, QUEUE));
        synchronized (cleanup) {
            cleanup.add(w);
        }
        return w;
    }

    static void statefulSetWithPods(int replicas) {
        client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
                .withNewMetadata().withName(STS).withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(STS)
                .withNewSelector().addToMatchLabels("app", STS).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", STS).endMetadata()
                .withNewSpec().addNewContainer().withName("worker").withImage("celery-worker").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        for (int i = 0; i < replicas; i++) {
            client.pods().inNamespace(NS).resource(new PodBuilder()
                    .withNewMetadata().withName(STS + "-" + i).withNamespace(NS).addToLabels("app", STS).endMetadata()
                    .withNewSpec().addNewContainer().withName("worker").withImage("celery-worker").endContainer()
                    .endSpec()
                    .withNewStatus().withPhase("Running").endStatus().build()).create();
        }
    }

    static String config(URI amqp) {
        return """
                pollInterval: 1s
                maxStaleness: 30s
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s]
                    workers: celery
                scaleDown:
                  drainTimeout: 10m
                  undoAfter: 16s
                  workloads:
                    - kind: StatefulSet
                      namespace: %s
                      name: %s
                      source: rabbit
                """.formatted(amqp, Brokers.rabbitManagementUri(), QUEUE, NS, STS);
    }

    static Path kubeconfig() {
        return kubeconfig(client);
    }

    /** A kubeconfig file naming {@code mock}'s API server. */
    static Path kubeconfig(KubernetesClient mock) {
        return Kubeconfigs.write(mock.getConfiguration().getMasterUrl(), NS);
    }
}
