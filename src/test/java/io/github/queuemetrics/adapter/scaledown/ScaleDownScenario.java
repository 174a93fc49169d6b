package io.github.queuemetrics.adapter.scaledown;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.HpaBehavior;
import io.github.queuemetrics.adapter.testsupport.HpaBehavior.Policy;
import io.github.queuemetrics.adapter.testsupport.HpaBehavior.Rules;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator;
import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.github.queuemetrics.adapter.testsupport.KubeletSimulator;
import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload;
import io.github.queuemetrics.adapter.testsupport.TaskLedger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import redis.clients.jedis.Jedis;

/**
 * Issue 7's scenario, shared by ScaleDownScenarioIT and ScaleDownLatencyBench: one adapter (its
 * webhook guarding the listed workloads) and, per workload, an HPA simulation ({@link HpaSyncLoop}:
 * AverageValue 5 outstanding tasks per pod, 1 to 4 replicas, {@link #BEHAVIOR}) and a kubelet
 * simulation ({@link KubeletSimulator}: a real Celery worker, {@code -c 1}, early ack, on RabbitMQ,
 * or a real RQ worker on Redis, per pod; SIGTERM, then SIGKILL after 2 s, 45 s for RQ, which
 * needs a grace period over its longest job), all workloads at once.
 *
 * <p>One cycle: a burst of 20-25 short tasks (1-4 s) scales 1 -> 4; once the 4 workers run, 3-4
 * long ones (10-40 s) follow (after the burst, so prefetch does not queue a long task behind
 * another); the short ones finish, the outstanding count falls to the long ones, and after the
 * 10 s window the HPA removes 2 pods, then (6 s later at the soonest) the last one, while long
 * tasks may still run on the pods that go. Quiet: back at 1 pod with every task started.
 */
public final class ScaleDownScenario {

    public enum Broker { CELERY_RABBIT, RQ }

    /** One workload: its broker, whether {@code scaleDown.workloads} lists it, how many cycles. */
    public record Spec(SimulatedWorkload workload, Broker broker, boolean guarded, int cycles, long seed) {
        String queue() {
            return "i7-scenario-" + workload.name();
        }

        String source() {
            return broker == Broker.RQ ? "rq" : "rabbit";
        }
    }

    public static final int MIN = 1;
    public static final int MAX = 4;
    public static final long TARGET_MILLI = 5000;
    public static final int WINDOW_SECONDS = 10;
    public static final int DOWN_PODS = 2;
    public static final int DOWN_PERIOD_SECONDS = 6;
    /** scaleUp: the defaults (4 pods or 100 % per 15 s); scaleDown: a 10 s window, 2 pods per 6 s. */
    public static final HpaBehavior BEHAVIOR = new HpaBehavior(null,
            Rules.of(WINDOW_SECONDS, null, Policy.pods(DOWN_PODS, DOWN_PERIOD_SECONDS)));
    /**
     * Over two of the longest tasks (40 s): a drained Celery victim (-c 1, prefetch 1, early ack) may
     * run one task and hold a prefetched one that it still runs.
     */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(100);
    /** Celery pods: 2 s, so a task still running at the removal is lost (early ack). */
    public static final Duration CELERY_GRACE = Duration.ofSeconds(2);
    /** RQ pods: more than the longest job (40 s), as the README's RQ guarantee requires. */
    public static final Duration RQ_GRACE = Duration.ofSeconds(45);

    private final KubernetesClient client;
    private final String namespace;
    private final String vhost;
    private final int redisDb;
    private final Duration sync;

    /** {@code sync}: the HPA's sync period (the real one is 15 s). */
    public ScaleDownScenario(KubernetesClient client, String namespace, String vhost, int redisDb, Duration sync) {
        this.client = client;
        this.namespace = namespace;
        this.vhost = vhost;
        this.redisDb = redisDb;
        this.sync = sync;
    }

    /** Runs every workload's cycles at once under one adapter; the runs by workload name. */
    public Map<String, ScenarioRun> run(List<Spec> specs) throws Exception {
        Brokers.deleteRabbitVhost(vhost);
        URI amqp = Brokers.rabbitVhost(vhost);
        URI redis = Brokers.redisUri(redisDb);
        try (Jedis jedis = new Jedis(redis)) {
            jedis.flushDB(); // this engineer's own DB
        }
        Path kubeconfig = kubeconfig();
        Map<String, ScenarioRun> runs = new LinkedHashMap<>();
        ExecutorService pool = Executors.newCachedThreadPool();
        try (RunningAdapter adapter = RunningAdapter.start(config(amqp, redis, specs), "--kubeconfig",
                kubeconfig.toString())) {
            Map<String, CompletableFuture<ScenarioRun>> futures = new LinkedHashMap<>();
            for (Spec spec : specs) {
                futures.put(spec.workload().name(), CompletableFuture.supplyAsync(() -> {
                    try {
                        return runOne(spec, adapter, Brokers.celeryBrokerUrl(amqp), redis.toString());
                    } catch (Exception e) {
                        throw new IllegalStateException(spec.workload().name() + ": " + e, e);
                    }
                }, pool));
            }
            for (var e : futures.entrySet()) {
                runs.put(e.getKey(), e.getValue().join());
            }
        } finally {
            pool.shutdownNow();
        }
        return runs;
    }

    private ScenarioRun runOne(Spec spec, RunningAdapter adapter, String celeryBroker, String redisUrl)
            throws Exception {
        long began = System.nanoTime();
        SimulatedWorkload workload = spec.workload();
        TaskLedger ledger = new TaskLedger(Files.createTempFile("qma-task-log-", ".txt"));
        ledger.file().toFile().deleteOnExit();
        Map<String, String> taskLog = Map.of("TASK_LOG", ledger.file().toString());
        workload.create(client, MIN);
        try (KubeletSimulator kubelet = new KubeletSimulator(client, workload,
                pod -> startWorker(spec, pod, celeryBroker, redisUrl, taskLog),
                pod -> adapter.probe("/probe/pod/" + namespace + "/" + pod).status() == 200)
                .grace(spec.broker() == Broker.RQ ? RQ_GRACE : CELERY_GRACE).start()) {
            await().atMost(Duration.ofSeconds(90)).until(kubelet::settled);
            HpaSyncLoop hpa = new HpaSyncLoop(new HpaSimulator(HpaSimulator.TargetType.AVERAGE_VALUE, TARGET_MILLI,
                    MIN, MAX, MIN, BEHAVIOR), workload, client,
                    () -> adapter.metric("queue_outstanding", spec.source(), spec.queue()),
                    review -> adapter.postSecure("/admission/scale", review).body(), sync)
                    .statusReplicas(kubelet::statusReplicas).start();
            List<String> enqueued = new ArrayList<>();
            Map<String, Double> planned = new ConcurrentHashMap<>();
            try {
                for (int cycle = 0; cycle < spec.cycles(); cycle++) {
                    runCycle(spec, cycle, kubelet, ledger, enqueued, planned, celeryBroker, redisUrl);
                }
            } finally {
                hpa.close();
            }
            List<String> errors = new ArrayList<>(hpa.errors());
            errors.addAll(kubelet.errors());
            return new ScenarioRun(workload.name(), ledger.summarize(enqueued), hpa.steps(), kubelet.removals(),
                    errors, ledger.starts(), Map.copyOf(planned), adapter.scrape(),
                    Duration.ofNanos(System.nanoTime() - began));
        }
    }

    private void runCycle(Spec spec, int cycle, KubeletSimulator kubelet, TaskLedger ledger, List<String> enqueued,
                          Map<String, Double> planned, String celeryBroker, String redisUrl) {
        Random random = new Random(spec.seed() + cycle);
        List<Double> shorts = new ArrayList<>();
        for (int i = 20 + random.nextInt(6); i > 0; i--) {
            shorts.add(1.0 + random.nextInt(4));
        }
        enqueue(spec, shorts, enqueued, planned, celeryBroker, redisUrl);
        String what = spec.workload().name() + " cycle " + cycle;
        await("scale-up of " + what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> kubelet.running() == MAX);
        List<Double> longs = new ArrayList<>();
        for (int i = 3 + random.nextInt(2); i > 0; i--) {
            longs.add(10.0 + random.nextInt(31));
        }
        enqueue(spec, longs, enqueued, planned, celeryBroker, redisUrl);
        // Quiet: back at the minimum, every task started, and each one unfinished started on a
        // worker whose pod is gone (it is lost for good).
        await("scale-down of " + what).atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    TaskLedger.Summary s = ledger.summarize(enqueued);
                    return spec.workload().replicas(client) == MIN && kubelet.settled() && s.neverStarted().isEmpty()
                            && s.interrupted().values().stream().noneMatch(w -> kubelet.pods()
                            .contains(w.substring(w.indexOf('@') + 1)));
                });
    }

    private static void enqueue(Spec spec, List<Double> durations, List<String> enqueued, Map<String, Double> planned,
                                String celeryBroker, String redisUrl) {
        List<String> ids = spec.broker() == Broker.RQ
                ? RqWorker.enqueueDurations(redisUrl, spec.queue(), durations)
                : CeleryWorker.enqueueDurations(celeryBroker, spec.queue(), durations);
        for (int i = 0; i < ids.size(); i++) {
            planned.put(ids.get(i), durations.get(i));
        }
        enqueued.addAll(ids);
    }

    private static PythonProcess startWorker(Spec spec, String pod, String celeryBroker, String redisUrl,
                                             Map<String, String> taskLog) {
        if (spec.broker() == Broker.RQ) {
            return RqWorker.start(redisUrl, pod, List.of(), taskLog, spec.queue()).process();
        }
        return CeleryWorker.start(CeleryWorker.Options.of(celeryBroker, "celery@" + pod, spec.queue()), taskLog)
                .process();
    }

    /** The workloads not guarded are left out of {@code scaleDown.workloads}: their updates pass at once. */
    private String config(URI amqp, URI redis, List<Spec> specs) {
        String celeryQueues = String.join(", ", specs.stream().filter(s -> s.broker() == Broker.CELERY_RABBIT)
                .map(Spec::queue).toList());
        String rqQueues = String.join(", ", specs.stream().filter(s -> s.broker() == Broker.RQ)
                .map(Spec::queue).toList());
        StringBuilder yaml = new StringBuilder("pollInterval: 1s\nmaxStaleness: 30s\nsources:\n");
        if (!celeryQueues.isEmpty()) {
            yaml.append("  - name: rabbit\n    type: rabbitmq\n    amqpUri: ").append(amqp)
                    .append("\n    managementUri: ").append(Brokers.rabbitManagementUri())
                    .append("\n    queues: [").append(celeryQueues).append("]\n    workers: celery\n");
        }
        if (!rqQueues.isEmpty()) {
            yaml.append("  - name: rq\n    type: rq\n    uri: ").append(redis)
                    .append("\n    queues: [").append(rqQueues).append("]\n    workers: rq\n");
        }
        yaml.append("scaleDown:\n  drainTimeout: ").append(DRAIN_TIMEOUT.toSeconds())
                .append("s\n  undoAfter: 16s\n  workloads:\n");
        for (Spec s : specs.stream().filter(Spec::guarded).toList()) {
            yaml.append("    - kind: ").append(s.workload().kind().kindName()).append("\n      namespace: ")
                    .append(namespace).append("\n      name: ").append(s.workload().name())
                    .append("\n      source: ").append(s.source()).append('\n');
        }
        return yaml.toString();
    }

    private Path kubeconfig() {
        return Kubeconfigs.write(client.getConfiguration().getMasterUrl(), namespace);
    }
}
