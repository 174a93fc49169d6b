package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator;
import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop;
import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop.Outcome;
import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop.Step;
import io.github.queuemetrics.adapter.testsupport.KubeletSimulator;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload.Kind;
import io.github.queuemetrics.adapter.testsupport.TaskLedger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's headline test: an HPA simulation ({@link HpaSyncLoop}: the autoscaling/v2 algorithm,
 * AverageValue 5 outstanding tasks per pod, 1 to 4 replicas, a 12 s scale-down stabilization
 * window, a sync every 3 s) scales a workload in fabric8's mock API server through the adapter's
 * webhook, and a kubelet simulation ({@link KubeletSimulator}) runs a real Celery worker per pod
 * (early ack, {@code -c 1}) and removes pods with SIGTERM, then SIGKILL after 2 s.
 *
 * <p>One cycle: a burst of 20-25 short tasks (1-4 s) scales 1 -> 4 (20 / 5 per pod); once the 4 workers run, 3-4
 * long tasks (25-35 s) follow (after the burst, so that prefetch does not queue a long task behind
 * another on one worker, which would only stretch the cycle); the short ones finish, the
 * outstanding count falls to the long ones, and after the window the HPA wants 4 -> 1 while the
 * long tasks still run on the pods that would go. With the hook the scale-down waits for them;
 * without it (the control run, a workload not in {@code scaleDown.workloads}) they are killed and
 * lost. Three cycles for the StatefulSet (each about a minute; the burst shapes vary by seed),
 * two for the Deployment, one for the control run: the suite stays a few minutes.
 */
@EnableKubernetesMockClient(crud = true)
class ScaleDownScenarioIT {

    static final String NS = "workers";
    static final String VHOST = "i7-scenario";
    static final int MIN = 1;
    static final int MAX = 4;
    static final long TARGET_MILLI = 5000;
    static final long WINDOW_SECONDS = 12;
    static final Duration SYNC = Duration.ofSeconds(3);
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

    static KubernetesMockServer server;
    static KubernetesClient client;
    /** The kubelet and the HPA call the mock server several times a second: its per-request INFO lines go. */
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** What one scenario run showed. */
    record Run(TaskLedger.Summary tasks, List<Step> steps, List<String> sigkilled, List<String> errors,
               String scrape, Duration took) {
        long denials() {
            return steps.stream().filter(s -> s.outcome() == Outcome.DENIED).count();
        }

        List<Step> allowed(boolean down) {
            return steps.stream().filter(s -> s.outcome() == Outcome.ALLOWED && s.scaleDown() == down).toList();
        }

        /** The longest time from a scale-down's first denial to its allowed update. */
        Duration longestHold() {
            Duration longest = Duration.ZERO;
            Instant firstDenied = null;
            for (Step s : steps) {
                if (s.outcome() == Outcome.DENIED && firstDenied == null) {
                    firstDenied = s.at();
                } else if (s.outcome() != Outcome.DENIED && firstDenied != null) {
                    Duration hold = Duration.between(firstDenied, s.at());
                    longest = hold.compareTo(longest) > 0 ? hold : longest;
                    firstDenied = null;
                }
            }
            return firstDenied == null ? longest : Duration.ofDays(1); // still held at the end
        }

        @Override
        public String toString() {
            return tasks + "; scale-ups " + allowed(false).size() + ", scale-downs " + allowed(true).size()
                    + ", denials " + denials() + ", longest hold " + longestHold().toSeconds() + " s, SIGKILLed "
                    + sigkilled + ", took " + took.toSeconds() + " s";
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void aStatefulSetScaledUpAndDownThreeTimesLosesNoTask() throws Exception {
        Run run = scenario(new SimulatedWorkload(Kind.STATEFUL_SET, NS, "wk"), true, 3, 7);
        assertNothingLost(run, 3);
    }

    @Test
    void controlRunWithoutTheHookTheSameScaleDownKillsRunningTasks() throws Exception {
        Run run = scenario(new SimulatedWorkload(Kind.STATEFUL_SET, NS, "ctl"), false, 1, 7);
        System.out.println("control run (StatefulSet ctl, not in scaleDown.workloads): " + run);
        assertThat(run.errors()).isEmpty();
        assertThat(run.denials()).as(run.toString()).isZero();
        assertThat(run.allowed(true)).as(run.toString()).isNotEmpty();
        assertThat(run.sigkilled()).as(run.toString()).isNotEmpty();
        assertThat(run.tasks().interrupted()).as(run.toString()).isNotEmpty();
        assertThat(run.tasks().allFinishedOnce()).isFalse();
    }

    @Test
    void aDeploymentScaledUpAndDownTwiceLosesNoTask() throws Exception {
        Run run = scenario(new SimulatedWorkload(Kind.DEPLOYMENT, NS, "web"), true, 2, 11);
        assertNothingLost(run, 2);
    }

    private void assertNothingLost(Run run, int cycles) {
        System.out.println("with the hook (" + cycles + " cycles): " + run);
        assertThat(run.errors()).isEmpty();
        assertThat(run.tasks().interrupted()).as(run.toString()).isEmpty();
        assertThat(run.tasks().ranTwice()).as(run.toString()).isEmpty();
        assertThat(run.tasks().allFinishedOnce()).as(run.toString()).isTrue();
        // The hook had something to do: each cycle's scale-down came while long tasks ran.
        assertThat(run.denials()).as(run.toString()).isGreaterThanOrEqualTo(cycles);
        assertThat(run.longestHold()).as(run.toString()).isLessThanOrEqualTo(DRAIN_TIMEOUT);
        assertThat(run.scrape()).doesNotContain("decision=\"drain_timeout\"").doesNotContain("decision=\"failed_open\"");
        assertFollowsTheAlgorithm(run, cycles);
    }

    /**
     * Each burst scales 1 -> 4 in one step (the proposal is capped by max(2 × 1, 4) and max 4);
     * no scale-down was written while a recommendation within the window wanted more (the
     * stabilization window); the run ends at the minimum.
     */
    private static void assertFollowsTheAlgorithm(Run run, int cycles) {
        List<Step> ups = run.allowed(false);
        assertThat(ups).as(run.steps().toString()).hasSize(cycles)
                .allSatisfy(s -> assertThat(s.current() + " -> " + s.desired()).isEqualTo(MIN + " -> " + MAX));
        for (Step down : run.allowed(true)) {
            for (Step earlier : run.steps()) {
                boolean inWindow = !earlier.at().isAfter(down.at())
                        && earlier.at().isAfter(down.at().minusSeconds(WINDOW_SECONDS - 1));
                if (inWindow && !Double.isNaN(earlier.metric())) {
                    assertThat((long) Math.ceil(earlier.metric() * 1000 / TARGET_MILLI))
                            .as("%s within the window before the scale-down %s", earlier, down)
                            .isLessThanOrEqualTo(Math.max(down.desired(), MIN));
                }
            }
        }
        Step last = run.steps().get(run.steps().size() - 1);
        assertThat(last.outcome() == Outcome.ALLOWED ? last.desired() : last.current()).isEqualTo(MIN);
    }

    private Run scenario(SimulatedWorkload workload, boolean guarded, int cycles, long seed) throws Exception {
        long began = System.nanoTime();
        String queue = "i7-scenario-" + workload.name();
        Brokers.deleteRabbitVhost(VHOST);
        URI amqp = Brokers.rabbitVhost(VHOST);
        String broker = Brokers.celeryBrokerUrl(amqp);
        TaskLedger ledger = new TaskLedger(Files.createTempFile("qma-task-log-", ".txt"));
        ledger.file().toFile().deleteOnExit();
        workload.create(client, MIN);
        // The control run's workload is not listed: the hook allows its scale updates at once.
        String listed = guarded ? workload.name() : "not-" + workload.name();
        RunningAdapter adapter = RunningAdapter.start(config(amqp, queue, workload.kind(), listed),
                "--kubeconfig", kubeconfig().toString());
        cleanup.add(adapter);
        KubeletSimulator kubelet = new KubeletSimulator(client, workload,
                pod -> CeleryWorker.start(CeleryWorker.Options.of(broker, "celery@" + pod, queue),
                        Map.of("TASK_LOG", ledger.file().toString())),
                pod -> adapter.probe("/probe/pod/" + NS + "/" + pod).status() == 200).start();
        cleanup.add(kubelet);
        await().atMost(Duration.ofSeconds(60)).until(kubelet::settled);
        HpaSyncLoop hpa = new HpaSyncLoop(new HpaSimulator(HpaSimulator.TargetType.AVERAGE_VALUE, TARGET_MILLI, MIN,
                MAX, MIN, WINDOW_SECONDS), workload, client,
                () -> adapter.metric("queue_outstanding", "rabbit", queue),
                review -> adapter.postSecure("/admission/scale", review).body(), SYNC).start();
        cleanup.add(hpa);

        List<String> enqueued = new ArrayList<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Random random = new Random(seed + cycle);
            List<Double> shorts = new ArrayList<>();
            for (int i = 20 + random.nextInt(6); i > 0; i--) {
                shorts.add(1.0 + random.nextInt(4));
            }
            enqueued.addAll(CeleryWorker.enqueueDurations(broker, queue, shorts));
            await("scale-up of cycle " + cycle).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> kubelet.running() == MAX);
            List<Double> longs = new ArrayList<>();
            for (int i = 3 + random.nextInt(2); i > 0; i--) {
                longs.add(25.0 + random.nextInt(11));
            }
            enqueued.addAll(CeleryWorker.enqueueDurations(broker, queue, longs));
            // Quiet: back at the minimum, every task started, and each one unfinished started on a
            // worker whose pod is gone (it is lost for good).
            await("scale-down of cycle " + cycle).atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        TaskLedger.Summary s = ledger.summarize(enqueued);
                        return workload.replicas(client) == MIN && kubelet.settled() && s.neverStarted().isEmpty()
                                && s.interrupted().values().stream().noneMatch(w -> kubelet.pods()
                                .contains(w.substring(w.indexOf('@') + 1)));
                    });
        }
        hpa.close();
        List<String> errors = new ArrayList<>(hpa.errors());
        errors.addAll(kubelet.errors());
        return new Run(ledger.summarize(enqueued), hpa.steps(), kubelet.sigkilled(), errors, adapter.scrape(),
                Duration.ofNanos(System.nanoTime() - began));
    }

    static String config(URI amqp, String queue, Kind kind, String listed) {
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
                  drainTimeout: %ds
                  undoAfter: 16s
                  workloads:
                    - kind: %s
                      namespace: %s
                      name: %s
                      source: rabbit
                """.formatted(amqp, Brokers.rabbitManagementUri(), queue, DRAIN_TIMEOUT.toSeconds(), kind.kindName(),
                NS, listed);
    }

    static Path kubeconfig() throws Exception {
        Path file = Files.createTempFile("qma-kubeconfig-", ".yaml");
        file.toFile().deleteOnExit();
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: mock
                    cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                  - name: mock
                    user: {token: mock-token}
                contexts:
                  - name: mock
                    context: {cluster: mock, user: mock, namespace: %s}
                current-context: mock
                """.formatted(client.getConfiguration().getMasterUrl(), NS));
        return file;
    }
}
