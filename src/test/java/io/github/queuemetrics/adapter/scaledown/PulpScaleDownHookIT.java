package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase.Layout;
import io.github.queuemetrics.adapter.testsupport.PulpProtocolWorker;
import io.github.queuemetrics.adapter.testsupport.PulpTasking;
import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The webhook for a Pulp worker Deployment: fabric8's mock API server (CRUD mode) holds Deployment
 * {@code pulp-worker} and three pods; one protocol worker per pod ({@code pid@<pod>}) on a
 * current-schema Pulp database. The victims that run nothing go; a victim that runs a task makes
 * the scale-down wait until the task finished.
 */
@EnableKubernetesMockClient(crud = true)
class PulpScaleDownHookIT {

    static final String NS = "workers";
    static final ObjectMapper JSON = new ObjectMapper();
    static KubernetesClient client;

    @Test
    void idleVictimsGoAndAVictimRunningATaskMakesTheScaleDownWait() throws Exception {
        String[] pods = {"pulp-worker-a", "pulp-worker-b", "pulp-worker-c"};
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName("pulp-worker").withNamespace(NS).endMetadata().withNewSpec().withReplicas(3)
                .withNewSelector().addToMatchLabels("app", "pulp-worker").endSelector().endSpec().build()).create();
        for (String pod : pods) {
            client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS)
                    .addToLabels("app", "pulp-worker").endMetadata().withNewStatus().withPhase("Running").endStatus()
                    .build()).create();
        }
        List<PulpProtocolWorker> workers = new ArrayList<>();
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT); PulpTasking tasking = new PulpTasking(db)) {
            PulpProtocolWorker a = new PulpProtocolWorker(tasking, "7@pulp-worker-a", Duration.ofSeconds(12),
                    Duration.ofSeconds(1));
            workers.add(a);
            String yaml = """
                    pollInterval: 300ms
                    maxStaleness: 5s
                    sources:
                      - name: pulp
                        type: pulp
                        uri: %s
                        workers: pulp
                    scaleDown:
                      drainTimeout: 10m
                      workloads:
                        - kind: Deployment
                          namespace: %s
                          name: pulp-worker
                          source: pulp
                    """.formatted(db.uri(), NS);
            try (RunningAdapter adapter = RunningAdapter.start(yaml, "--kubeconfig",
                    ScaleDownHookIT.kubeconfig(client).toString())) {
                // a takes the one task (12 s, counted from here, not from the adapter's start) before the
                // others start, so it is the only busy one
                tasking.dispatch("pulp_rpm.app.tasks.synchronize", "repo-1");
                await().atMost(Duration.ofSeconds(10)).until(() -> a.runningTask() != null);
                String task = a.runningTask();
                workers.add(new PulpProtocolWorker(tasking, "8@pulp-worker-b", Duration.ofSeconds(1),
                        Duration.ofSeconds(1)));
                workers.add(new PulpProtocolWorker(tasking, "9@pulp-worker-c", Duration.ofSeconds(1),
                        Duration.ofSeconds(1)));
                for (String pod : pods) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> adapter.probe("/probe/pod/" + NS + "/" + pod).status() == 200);
                }

                // 3 -> 2: an idle pod goes (b: cost 0, first by name), the busy one costs more.
                JsonNode down = review(adapter, 3, 2);
                assertThat(down.path("status").path("message").asText())
                        .isEqualTo("Deployment workers/pulp-worker 3 -> 2: allowed, pulp-worker-b holds no tasks");
                assertThat(annotations("pulp-worker-b")).containsEntry("controller.kubernetes.io/pod-deletion-cost",
                        "-1000000");
                assertThat(annotations("pulp-worker-a")).doesNotContainEntry(
                        "controller.kubernetes.io/pod-deletion-cost", "-1000000");

                // 3 -> 0 needs a, which runs the task: denied naming it, allowed once it finished.
                JsonNode denied = review(adapter, 3, 0);
                assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
                assertThat(denied.path("status").path("message").asText()).contains("pulp-worker-a").contains(task);
                assertThat(db.number("SELECT count(*) FROM core_task WHERE state = 'running'")).isEqualTo(1);

                // The pod's preStop (qma_probe.py pre-stop) waits for the same task and returns once it completed.
                List<String> lines = PythonProcess.run(PreStopHookIT.PROBE_DIR,
                        Map.of("POD_NAMESPACE", NS, "POD_NAME", "pulp-worker-a"), Duration.ofSeconds(40),
                        "qma_probe.py", "pre-stop", "--url", "https://localhost:" + adapter.adapter().securePort(),
                        "--insecure", "--timeout", "30");
                assertThat(lines).anyMatch(l -> l.startsWith("waiting: ") && l.contains(task));
                assertThat(lines).last().asString().startsWith("idle: ");
                assertThat(db.number("SELECT count(*) FROM core_task WHERE state = 'completed'"))
                        .as("the preStop returned after the task completed").isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> review(adapter, 3, 0).path("allowed").asBoolean());
                assertThat(db.number("SELECT count(*) FROM core_task WHERE state = 'completed'"))
                        .as("allowed only after the task finished").isEqualTo(1);
            } finally {
                for (PulpProtocolWorker w : workers) {
                    w.close();
                }
            }
        }
    }

    private static JsonNode review(RunningAdapter adapter, int from, int to) throws Exception {
        RunningAdapter.Probe answer = adapter.postSecure("/admission/scale",
                ScaleReviews.review(UUID.randomUUID().toString(), "deployments", NS, "pulp-worker", from, to, false));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode response = JSON.readTree(answer.body()).path("response");
        // A fail-open answer (the hook could not read the workers) must not pass for a real "allowed".
        assertThat(response.path("status").path("message").asText()).doesNotContain("hook failed");
        return response;
    }

    private static Map<String, String> annotations(String pod) {
        Map<String, String> a = client.pods().inNamespace(NS).withName(pod).get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
