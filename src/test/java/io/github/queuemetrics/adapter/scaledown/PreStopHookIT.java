package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.workers.celery.AmqpPidboxTransport;
import io.github.queuemetrics.adapter.workers.celery.CeleryControl;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pre-stop hook end to end, as a terminating pod's preStop runs it: {@code qma_probe.py pre-stop}
 * against the adapter's secure port; fabric8's mock API server (CRUD) holds StatefulSet {@code wk}
 * and its pods (with their ownerReferences); a real Celery worker per pod, named {@code celery@<pod>},
 * on RabbitMQ vhost i7-prestop.
 */
@EnableKubernetesMockClient(crud = true)
class PreStopHookIT {

    static final String NS = "workers";
    static final String STS = "wk";
    static final String QUEUE = "i7-prestop-tasks";
    static final Path PROBE_DIR = Path.of(System.getProperty("user.dir"), "adapter", "probe");

    static KubernetesClient client;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        // The mock API server lives as long as the class: each test starts from an empty namespace.
        client.apps().statefulSets().inNamespace(NS).delete();
        client.pods().inNamespace(NS).delete();
        client.v1().events().inNamespace(NS).delete();
    }

    @Test
    void preStopReturnsOnlyAfterTheRunningTaskFinishedAndTheWorkerTakesNoNewOnes() throws Exception {
        URI amqp = Brokers.rabbitVhost("i7-prestop");
        String broker = Brokers.celeryBrokerUrl(amqp);
        statefulSetWithPods(2);
        // The long task goes to wk-1: it is the only worker when the task is sent.
        CeleryWorker wk1 = worker(broker, "wk-1");
        String taskId = CeleryWorker.enqueue(broker, QUEUE, 1, 12, null).get(0);
        wk1.process().awaitLine(l -> l.contains(taskId) && l.contains("received"), Duration.ofSeconds(20));
        worker(broker, "wk-0");
        RunningAdapter guarded = adapter(config(amqp, "60s"));
        RunningAdapter unguarded = adapter(config(amqp, null));
        CeleryControl control = new CeleryControl(new AmqpPidboxTransport(amqp));
        cleanup.add(control);
        for (RunningAdapter a : List.of(guarded, unguarded)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> a.probe("/probe/pod/" + NS + "/wk-1").status() == 200);
        }

        // Control: without the hook (no scaleDown:) the preStop returns at once, the task still running.
        long start = System.nanoTime();
        List<String> control0 = preStop(unguarded, "wk-1", 60);
        assertThat(control0).last().asString().startsWith("not_guarded: pod workers/wk-1: nothing to wait for");
        assertThat(seconds(start)).isLessThan(5);
        assertThat(wk1.process().output()).doesNotContain(taskId + "] succeeded");

        // With the hook: the same preStop waits for the task; meanwhile wk-1 consumes nothing.
        start = System.nanoTime();
        PythonProcess preStop = PythonProcess.start(PROBE_DIR, Map.of("POD_NAMESPACE", NS, "POD_NAME", "wk-1"),
                "pre-stop wk-1", "qma_probe.py", "pre-stop", "--url", "https://localhost:" + guarded.adapter().securePort(),
                "--insecure", "--timeout", "60");
        cleanup.add(preStop);
        preStop.awaitLine(l -> l.startsWith("draining pod workers/wk-1 of StatefulSet workers/wk"),
                Duration.ofSeconds(10));
        assertThat(consumed(control, "celery@wk-1")).isEmpty();
        assertThat(consumed(control, "celery@wk-0")).containsExactly(QUEUE);
        Map<String, String> annotations = client.pods().inNamespace(NS).withName("wk-1").get().getMetadata()
                .getAnnotations();
        assertThat(annotations).containsEntry(DrainAnnotations.QUEUES, "[\"" + QUEUE + "\"]");
        assertThat(guarded.probe("/probe/pod/" + NS + "/wk-1").body()).startsWith("draining: worker celery@wk-1");
        String later = CeleryWorker.enqueue(broker, QUEUE, 1, 0.1, null).get(0);

        assertThat(preStop.waitFor(Duration.ofSeconds(40))).as(preStop.output()).isTrue();
        double waited = seconds(start);
        List<String> lines = preStop.output().lines().toList();
        assertThat(lines).as(preStop.output()).anyMatch(l -> l.startsWith("waiting: worker celery@wk-1 runs tasks.sleep["
                + taskId + "]"));
        assertThat(lines).last().asString().startsWith("idle: worker celery@wk-1 of pod wk-1 is idle after");
        // It returned after the task finished (the worker logs success before going idle), not before.
        assertThat(wk1.process().output()).contains(taskId + "] succeeded");
        assertThat(waited).isGreaterThan(3);
        assertThat(wk1.process().output()).doesNotContain(later);
        assertThat(guarded.scrape()).contains("adapter_prestop_total{kind=\"StatefulSet\",namespace=\"workers\",outcome=\"idle\","
                + "workload=\"wk\"}");

        // Nothing to wait for: answered at once, with the reason.
        client.pods().inNamespace(NS).withName("wk-0").delete();
        assertThat(preStop(guarded, "wk-0", 60)).last().asString()
                .startsWith("no_pod: pod workers/wk-0 does not exist");
    }

    @Test
    void preStopStopsWaitingAtDrainTimeoutAndAGoneWorkerIsNotWaitedFor() throws Exception {
        URI amqp = Brokers.rabbitVhost("i7-prestop");
        String broker = Brokers.celeryBrokerUrl(amqp);
        statefulSetWithPods(2);
        CeleryWorker wk1 = worker(broker, "wk-1");
        String taskId = CeleryWorker.enqueue(broker, QUEUE, 1, 30, null).get(0);
        wk1.process().awaitLine(l -> l.contains(taskId) && l.contains("received"), Duration.ofSeconds(20));
        RunningAdapter guarded = adapter(config(amqp, "4s"));
        await().atMost(Duration.ofSeconds(20)).until(() -> guarded.probe("/probe/pod/" + NS + "/wk-1").status() == 200);

        long start = System.nanoTime();
        List<String> lines = preStop(guarded, "wk-1", 60);
        assertThat(lines).last().asString().startsWith("timeout: pod wk-1 (worker celery@wk-1) still runs tasks.sleep["
                + taskId + "]");
        assertThat(seconds(start)).isBetween(3.5, 10.0);
        assertThat(wk1.process().output()).doesNotContain(taskId + "] succeeded");
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("PreStopDrainTimeout"));

        // wk-0 has no worker at all.
        assertThat(preStop(guarded, "wk-0", 60)).last().asString()
                .isEqualTo("worker_gone: pod workers/wk-0 of StatefulSet workers/wk (owner StatefulSet wk): "
                        + "worker celery@wk-0 sends no heartbeats (gone): it holds nothing");
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** Runs the preStop command to its end (it always exits 0) and returns its lines. */
    private static List<String> preStop(RunningAdapter adapter, String pod, int timeout) {
        return PythonProcess.run(PROBE_DIR, Map.of("POD_NAMESPACE", NS, "POD_NAME", pod), Duration.ofSeconds(
                timeout + 10), "qma_probe.py", "pre-stop", "--url", "https://localhost:" + adapter.adapter().securePort(),
                "--insecure", "--timeout", Integer.toString(timeout));
    }

    private RunningAdapter adapter(String yaml) throws Exception {
        RunningAdapter adapter = RunningAdapter.start(yaml, "--kubeconfig", ScaleDownHookIT.kubeconfig(client).toString());
        cleanup.add(adapter);
        return adapter;
    }

    private static List<String> consumed(CeleryControl control, String worker) {
        return control.activeQueues(List.of(worker), Duration.ofSeconds(2)).get(worker);
    }

    private CeleryWorker worker(String broker, String pod) {
        CeleryWorker w = CeleryWorker.start(CeleryWorker.Options.of(broker, "celery@" + pod, QUEUE));
        synchronized (cleanup) {
            cleanup.add(w);
        }
        return w;
    }

    static void statefulSetWithPods(int replicas) {
        var sts = client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
                .withNewMetadata().withName(STS).withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(STS)
                .withNewSelector().addToMatchLabels("app", STS).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", STS).endMetadata()
                .withNewSpec().addNewContainer().withName("worker").withImage("celery-worker").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        for (int i = 0; i < replicas; i++) {
            client.pods().inNamespace(NS).resource(new PodBuilder()
                    .withNewMetadata().withName(STS + "-" + i).withNamespace(NS).addToLabels("app", STS)
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("StatefulSet").withName(STS)
                    .withUid(sts.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                    .withNewSpec().addNewContainer().withName("worker").withImage("celery-worker").endContainer()
                    .endSpec()
                    .withNewStatus().withPhase("Running").endStatus().build()).create();
        }
    }

    /** With {@code drainTimeout} null: no scaleDown: section at all. */
    static String config(URI amqp, String drainTimeout) {
        String yaml = """
                pollInterval: 1s
                maxStaleness: 30s
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s]
                    workers: celery
                """.formatted(amqp, Brokers.rabbitManagementUri(), QUEUE);
        return drainTimeout == null ? yaml : yaml + """
                scaleDown:
                  drainTimeout: %s
                  undoAfter: 45s
                  workloads:
                    - kind: StatefulSet
                      namespace: %s
                      name: %s
                      source: rabbit
                """.formatted(drainTimeout, NS, STS);
    }
}
