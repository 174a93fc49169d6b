package io.github.queuemetrics.adapter.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.github.queuemetrics.adapter.scaledown.ScaleReviews;
import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Webhook answer time with 50 pods per workload (issue 7: p99 under 50 ms). fabric8's mock API
 * server (CRUD, HTTPS) in this JVM holds StatefulSet {@code wk} in namespace {@code bench-sts} and
 * Deployment {@code web} in {@code bench-dep}, 50 Running pods each; the pods of both are named
 * {@code wk-0..wk-49}, so the same 50 real Celery workers ({@code celery@wk-N}, {@code --pool=solo},
 * RabbitMQ vhost i7-hook-bench, idle) serve both workloads. The packaged adapter runs in its own
 * process with {@code --kubeconfig} naming the mock server. Each series sends AdmissionReviews one
 * at a time over one HTTPS keep-alive connection (the API server calls a webhook per request) and
 * times each answer: first a baseline (a workload the hook does not guard: allowed at once, no
 * API or broker call), then StatefulSet and Deployment 50 -> 45 as dry runs (every read, no write), then
 * real 50 -> 45 repeated as an HPA repeats it during a drain (the first drains 5 victims: annotations
 * and cancel_consumer), then real 50 -> 45 / 45 -> 50 alternated (every review a new drain or an undo).
 *
 * <p>Usage: {@code bench/run.sh webhook [pods=50] [reviews=100] [warmup=10] [pauseMillis=250] [niceness=0]}
 * (niceness: the workers' {@code renice}, e.g. 19 to stand for workers on other nodes).
 */
public final class WebhookBench {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String QUEUE = "i7-hook-bench";
    static long pauseMillis;
    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int reviews = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        // An HPA reviews each workload every 15 s; back to back, the reviews' remote-control
        // broadcasts (each wakes all 50 workers) load this machine themselves. 0 = back to back.
        pauseMillis = args.length > 3 ? Long.parseLong(args[3]) : 250;
        // The workers stand for pods on other nodes; niced (19) they still answer every broadcast,
        // but no longer preempt the adapter and the API server on this machine's 2 cores.
        int niceness = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        System.out.println("# webhook: " + pods + " pods per workload, " + reviews + " reviews per series after "
                + warmup + " warm-up, " + pauseMillis + " ms between reviews, workers at nice " + niceness + "; "
                + BenchStats.machine());

        // The mock server logs every request at INFO: that would be time on the API server's side.
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        server.init();
        List<CeleryWorker> workers = new ArrayList<>();
        AdapterJar adapter = null;
        try (KubernetesClient client = server.createClient()) {
            workloads(client, pods);
            URI amqp = Brokers.rabbitVhost("i7-hook-bench");
            String broker = Brokers.celeryBrokerUrl(amqp);
            long t0 = System.nanoTime();
            workers.addAll(startWorkers(broker, pods));
            if (niceness != 0) {
                renice(niceness);
            }
            System.out.printf("# %d celery workers (--pool=solo) ready in %.0f s; %s%n", workers.size(),
                    (System.nanoTime() - t0) / 1e9, BenchStats.machine());
            Path dir = Files.createTempDirectory("qma-webhook-bench");
            Path config = Files.writeString(dir.resolve("adapter.yaml"), config(amqp));
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfig(server.url("/")));
            adapter = AdapterJar.start(config, dir.resolve("adapter.log"), List.of(), Map.of(), Duration.ofSeconds(120),
                    "--kubeconfig", kubeconfig.toString());
            HttpClient http = HttpClient.newBuilder().sslContext(TestCertificates.anonymousClientContext())
                    .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            awaitHook(http, adapter);

            int to = pods - 5;
            // Baseline within the run: a workload not in scaleDown.workloads is allowed at once (TLS,
            // HTTP, parsing, no API or broker call), so what the machine's load alone costs shows.
            series("baseline: unguarded workload", http, adapter, reviews, warmup,
                    i -> review("statefulsets", "bench-sts", "not-guarded", pods, to, false));
            series("statefulset dry-run " + pods + "->" + to, http, adapter, reviews, warmup,
                    i -> review("statefulsets", "bench-sts", "wk", pods, to, true));
            series("deployment dry-run " + pods + "->" + to, http, adapter, reviews, warmup,
                    i -> review("deployments", "bench-dep", "web", pods, to, true));
            // What an HPA does during a drain: the same scale-down asked again and again (the first
            // review drains the victims, the next ones ask whether they are idle), then a scale-up.
            series("statefulset real " + pods + "->" + to + " repeated", http, adapter, reviews, warmup,
                    i -> review("statefulsets", "bench-sts", "wk", pods, to, false));
            post(http, adapter, review("statefulsets", "bench-sts", "wk", to, pods, false));
            series("deployment real " + pods + "->" + to + " repeated", http, adapter, reviews, warmup,
                    i -> review("deployments", "bench-dep", "web", pods, to, false));
            post(http, adapter, review("deployments", "bench-dep", "web", to, pods, false));
            // Flapping: every review a new drain or an undo, so no earlier check serves.
            series("statefulset real " + pods + "->" + to + " / " + to + "->" + pods, http, adapter, reviews, warmup,
                    i -> i % 2 == 0 ? review("statefulsets", "bench-sts", "wk", pods, to, false)
                            : review("statefulsets", "bench-sts", "wk", to, pods, false));
            series("deployment real " + pods + "->" + to + " / " + to + "->" + pods, http, adapter, reviews, warmup,
                    i -> i % 2 == 0 ? review("deployments", "bench-dep", "web", pods, to, false)
                            : review("deployments", "bench-dep", "web", to, pods, false));
            System.out.println("# done; " + BenchStats.machine());
        } finally {
            if (adapter != null) {
                adapter.close();
            }
            ExecutorService stop = Executors.newFixedThreadPool(8);
            workers.forEach(w -> stop.submit(w::close));
            stop.shutdown();
            stop.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
            server.destroy();
        }
    }

    interface Review {
        String body(int i);
    }

    static void series(String name, HttpClient http, AdapterJar adapter, int reviews, int warmup, Review review)
            throws Exception {
        double[] millis = new double[reviews];
        int allowed = 0;
        int failedOpen = 0;
        for (int i = -warmup; i < reviews; i++) {
            long start = System.nanoTime();
            JsonNode response = post(http, adapter, review.body(i + warmup));
            double ms = (System.nanoTime() - start) / 1e6;
            Thread.sleep(pauseMillis);
            if (i >= 0) {
                millis[i] = ms;
                allowed += response.path("allowed").asBoolean() ? 1 : 0;
                failedOpen += response.path("status").path("message").asText().contains("hook failed") ? 1 : 0;
            }
        }
        System.out.printf("webhook %s: n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; allowed %d, failed open %d;"
                        + " %s%n", name, reviews, BenchStats.percentile(millis, 50), BenchStats.percentile(millis, 90),
                BenchStats.percentile(millis, 99), BenchStats.percentile(millis, 100), allowed, failedOpen,
                BenchStats.machine());
    }

    static JsonNode post(HttpClient http, AdapterJar adapter, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(adapter.secureUri("/admission/scale"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("webhook answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).path("response");
    }

    /** The hook connects after /readyz; wait until a dry run gets a decision. */
    static void awaitHook(HttpClient http, AdapterJar adapter) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String message = "";
        while (System.nanoTime() < deadline) {
            try {
                message = post(http, adapter, review("statefulsets", "bench-sts", "wk", 2, 1, true)).path("status")
                        .path("message").asText();
            } catch (java.io.IOException e) {
                message = e.toString(); // cold TLS and JIT on a loaded machine: the first answers can take seconds
                continue;
            }
            if (!message.contains("still starting") && !message.contains("hook failed")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the hook gave no decision within 120 s: " + message);
    }

    /** A real AdmissionReview v1 of the HPA's PUT of {@code resource}/scale (the tests' recorded fixture). */
    static String review(String resource, String namespace, String name, int from, int to, boolean dryRun) {
        return ScaleReviews.review(resource, namespace, name, from, to, dryRun);
    }

    static void workloads(KubernetesClient client, int pods) {
        client.apps().statefulSets().inNamespace("bench-sts").resource(new StatefulSetBuilder().withNewMetadata()
                .withName("wk").withNamespace("bench-sts").endMetadata().withNewSpec().withReplicas(pods)
                .withNewSelector().addToMatchLabels("app", "wk").endSelector().endSpec().build()).create();
        client.apps().deployments().inNamespace("bench-dep").resource(new DeploymentBuilder().withNewMetadata()
                .withName("web").withNamespace("bench-dep").endMetadata().withNewSpec().withReplicas(pods)
                .withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec().build()).create();
        for (int i = 0; i < pods; i++) {
            for (String[] ns : new String[][] {{"bench-sts", "wk"}, {"bench-dep", "web"}}) {
                client.pods().inNamespace(ns[0]).resource(new PodBuilder().withNewMetadata().withName("wk-" + i)
                        .withNamespace(ns[0]).addToLabels("app", ns[1]).endMetadata().withNewStatus()
                        .withPhase("Running").endStatus().build()).create();
            }
        }
    }

    /** Renices every process whose command line names the bench's queue (the workers). */
    static void renice(int niceness) throws Exception {
        List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(niceness), "-p"));
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(QUEUE)).orElse(false))
                .forEach(p -> command.add(Long.toString(p.pid())));
        Process renice = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(renice.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (renice.waitFor() != 0) {
            throw new IllegalStateException("renice failed: " + out);
        }
        System.out.printf("# reniced %d worker processes to %d%n", command.size() - 4, niceness);
    }

    static List<CeleryWorker> startWorkers(String broker, int count) throws Exception {
        List<CeleryWorker> started = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<CeleryWorker>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String node = "celery@wk-" + i;
                futures.add(pool.submit(() -> CeleryWorker.start(CeleryWorker.Options.of(broker, node, QUEUE),
                        Map.of(), List.of("--pool=solo"))));
            }
            for (Future<CeleryWorker> f : futures) {
                started.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
        return started;
    }

    static String config(URI amqp) {
        return """
                pollInterval: 5s
                maxStaleness: 60s
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    managementUri: %s
                    queues: [%s]
                    workers: celery
                scaleDown:
                  drainTimeout: 10m
                  undoAfter: 60s
                  workloads:
                    - {kind: StatefulSet, namespace: bench-sts, name: wk, source: rabbit}
                    - {kind: Deployment, namespace: bench-dep, name: web, source: rabbit}
                """.formatted(amqp, Brokers.rabbitManagementUri(), QUEUE);
    }

    static String kubeconfig(String url) {
        return Kubeconfigs.text(url, "bench-sts");
    }
}
