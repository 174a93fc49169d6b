package io.github.queuemetrics.adapter.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.github.queuemetrics.adapter.scaledown.ScaleDownScenario;
import io.github.queuemetrics.adapter.scaledown.ScaleDownScenario.Broker;
import io.github.queuemetrics.adapter.scaledown.ScaleDownScenario.Spec;
import io.github.queuemetrics.adapter.scaledown.ScenarioRun;
import io.github.queuemetrics.adapter.scaledown.ScenarioRun.Hold;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long the hook holds a scale-down beyond what the victims still had to run: issue 7's scenario
 * ({@link ScaleDownScenario}: HPA and kubelet simulations, real Celery and RQ workers) for a Celery
 * StatefulSet, a Celery Deployment and an RQ Deployment at once; for each held scale-down the latency
 * (first denied review to the allowed one) against the longest time a victim's tasks still had to
 * run at the first denial (task start + planned duration, from the task log). The overhead
 * (latency - remaining) should be about one HPA sync period: the HPA asks again once per period,
 * and the adapter sees the worker idle within its poll. A measurement, not a test.
 *
 * <pre>bench/run.sh scaledown-latency [cycles=3] [syncSeconds=3]</pre>
 * (from the repository root). RabbitMQ vhost {@code i7-scenario-bench}, Redis DB 11.
 */
public final class ScaleDownLatencyBench {

    /** Held here: a logger nothing references is collected, and its level with it. */
    private static final java.util.logging.Logger MOCK_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private ScaleDownLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Duration sync = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 3);
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        System.out.println("# " + BenchStats.machine() + " at the start; " + cycles + " cycles per workload, HPA sync "
                + sync.toSeconds() + " s, adapter poll 1 s");
        try (KubernetesClient client = server.createClient()) {
            String ns = "workers";
            Map<String, ScenarioRun> runs = new ScaleDownScenario(client, ns, "i7-scenario-bench", 11, sync).run(List.of(
                    new Spec(new SimulatedWorkload(Kind.STATEFUL_SET, ns, "wk"), Broker.CELERY_RABBIT, true, cycles, 21),
                    new Spec(new SimulatedWorkload(Kind.DEPLOYMENT, ns, "web"), Broker.CELERY_RABBIT, true, cycles, 23),
                    new Spec(new SimulatedWorkload(Kind.DEPLOYMENT, ns, "rqw"), Broker.RQ, true, cycles, 29)));
            List<Double> all = new ArrayList<>();
            for (ScenarioRun run : runs.values()) {
                System.out.println("# " + run);
                for (String error : run.errors()) {
                    System.out.println("#   simulation error: " + error);
                }
                List<Double> overheads = new ArrayList<>();
                for (Hold h : run.holds()) {
                    System.out.printf("%s %d -> %d victims %s: latency %.1f s, remaining %.1f s, overhead %.1f s%n",
                            run.name(), h.from(), h.to(), h.victims(), seconds(h.latency()), seconds(h.remaining()),
                            seconds(h.overhead()));
                    overheads.add(seconds(h.overhead()));
                }
                summary(run.name(), overheads);
                all.addAll(overheads);
            }
            summary("all", all);
            System.out.println("# " + BenchStats.machine() + " at the end");
        } finally {
            server.destroy();
        }
        System.exit(0); // the adapter's and the clients' threads
    }

    private static void summary(String what, List<Double> overheads) {
        if (overheads.isEmpty()) {
            System.out.println(what + ": no held scale-down");
            return;
        }
        double[] s = overheads.stream().mapToDouble(Double::doubleValue).toArray();
        System.out.printf("%s: %d held scale-downs, overhead s: min %.1f, median %.1f, p90 %.1f, max %.1f%n", what,
                s.length, BenchStats.percentile(s, 0), BenchStats.median(s), BenchStats.percentile(s, 90),
                BenchStats.percentile(s, 100));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
