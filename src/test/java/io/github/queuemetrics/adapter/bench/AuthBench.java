package io.github.queuemetrics.adapter.bench;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.github.queuemetrics.adapter.api.ApiServerFactory;
import io.github.queuemetrics.adapter.auth.DelegatedAuth;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Metric GETs with {@code --authentication delegated} and a warm review cache against
 * {@code --authentication none}, in one run. Target: delegated serves at least 90% of none's throughput.
 *
 * <p>Both are the real secure-port router ({@link ApiServerFactory}) over the store of
 * {@link HttpBench} (3 sources x 100 queues, the HPA's request for 3 queues), on one Vert.x instance
 * with the same self-signed TLS setup; one has the guard of {@link DelegatedAuth} started as the
 * adapter starts it, against fabric8's mock API server (the trust ConfigMap with a front-proxy CA,
 * SubjectAccessReview answering allowed and counting). Every request is the HPA's as kube-apiserver
 * forwards it: over TLS with the front proxy's client certificate, with {@code X-Remote-User} and
 * {@code X-Remote-Group}; both servers get the same bytes (none ignores the headers). So the
 * difference is the guard: the certificate chain check (cached), the headers, the review cache.
 *
 * <p>The load is a closed loop (wrk is not on every machine): {@code connections} HTTP/1.1
 * keep-alive connections from a client on its own single event loop, each sending its next request
 * when the last answer arrived. After a warm-up of each, {@code pairs} pairs of short slices of
 * {@code seconds}, alternating which server goes first, so that both see the same machine (it is
 * shared and its load drifts); the ratio of each pair, their median and quartiles, and the ratio
 * over all requests are printed. The review cache keeps an allowed answer 10 s, so the delegated
 * slices include the reviews that renew it: their count is printed.
 *
 * <pre>bench/run.sh auth [seconds=2] [connections=8] [pairs=30] [warmupSeconds=20]</pre>
 */
public final class AuthBench {

    static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    static final String HPA_USER = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";

    /** One load run; {@code slowest} is the longest answer (ms), {@code over50ms} how many took longer than 50 ms. */
    record Run(String server, double requestsPerSecond, long ok, long errors, int reviews, String firstError,
               double slowest, long over50ms, double serverCpuMicrosPerRequest) {
        @Override
        public String toString() {
            return String.format("%s: %.0f req/s (%d ok, %d errors%s, %d SubjectAccessReviews, slowest answer %.1f ms, "
                            + "%d over 50 ms, server CPU %.2f us/request)", server, requestsPerSecond, ok, errors,
                    firstError == null ? "" : ", first: " + firstError, reviews, slowest, over50ms,
                    serverCpuMicrosPerRequest);
        }
    }

    /** The servers' event-loop threads (not the client's): their CPU time per request is the cost compared. */
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static volatile long clientThreadId = -1;

    private AuthBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int warmupSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;

        var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest,
                java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        api.init();
        AtomicInteger reviews = new AtomicInteger();
        AtomicReference<String> lastReviewedUser = new AtomicReference<>();
        api.expect().post().withPath(ACCESS_REVIEWS).andReply(201, request -> {
            JsonObject review = new JsonObject(request.getUtf8Body());
            reviews.incrementAndGet();
            lastReviewedUser.set(review.getJsonObject("spec").getString("user"));
            return review.put("status", new JsonObject().put("allowed", true)).encode();
        }).always();
        TestCertificates.Authority frontProxyCa = TestCertificates.authority("front-proxy-ca");
        try (KubernetesClient admin = api.createClient()) {
            admin.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
                    .withNamespace("kube-system").withName("extension-apiserver-authentication").endMetadata()
                    .addToData("client-ca-file", TestCertificates.pemOf(TestCertificates.authority("kubernetes-ca")
                            .certificate()))
                    .addToData("requestheader-client-ca-file", TestCertificates.pemOf(frontProxyCa.certificate()))
                    .addToData("requestheader-allowed-names", new JsonArray(List.of("front-proxy-client")).encode())
                    .addToData("requestheader-username-headers", "[\"X-Remote-User\"]")
                    .addToData("requestheader-uid-headers", "[\"X-Remote-Uid\"]")
                    .addToData("requestheader-group-headers", "[\"X-Remote-Group\"]")
                    .addToData("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]")
                    .build()).create();
        }
        Path dir = Files.createTempDirectory("qma-auth-bench-");
        Path kubeconfig = Kubeconfigs.write(api.url("/"), null);
        Path clientCert = dir.resolve("front-proxy-client.crt");
        Path clientKey = dir.resolve("front-proxy-client.key");
        TestCertificates.client(frontProxyCa, "front-proxy-client").writePem(clientCert, clientKey);

        Vertx vertx = Vertx.vertx();
        WorkerExecutor pool = vertx.createSharedWorkerExecutor("broker-pool", 4);
        DelegatedAuth auth = DelegatedAuth.start(vertx, pool, Optional.of(kubeconfig)).await(60, TimeUnit.SECONDS);
        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        CountDownLatch clientThreadKnown = new CountDownLatch(1);
        clientVertx.runOnContext(v -> {
            clientThreadId = Thread.currentThread().getId();
            clientThreadKnown.countDown();
        });
        clientThreadKnown.await(10, TimeUnit.SECONDS);
        try {
            MetricStore store = HttpBench.filledStore();
            HttpServer none = ApiServerFactory.start(vertx, store, null, 0, TlsOptions.selfSigned(List.of()))
                    .await(60, TimeUnit.SECONDS);
            HttpServer delegated = ApiServerFactory.start(vertx, store, auth.guard(), 0, TlsOptions.selfSigned(List.of()))
                    .await(60, TimeUnit.SECONDS);
            HttpClient client = clientVertx.createHttpClient(new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true).setSsl(true).setTrustAll(true)
                    .setVerifyHost(false)
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.toString())
                            .setKeyPath(clientKey.toString())),
                    new PoolOptions().setHttp1MaxSize(connections));

            // The guard is really in the way: the first request is reviewed, as the HPA's user.
            Run check = load(client, "delegated", delegated.actualPort(), 1, 1, reviews);
            if (check.ok() == 0 || reviews.get() == 0 || !HPA_USER.equals(lastReviewedUser.get())) {
                throw new IllegalStateException("delegated authentication did not review the HPA's request: " + check
                        + ", last reviewed user " + lastReviewedUser.get());
            }
            System.out.println("check: " + check + ", reviewed user " + lastReviewedUser.get());
            // The JIT needs long on a loaded machine; both servers share the compiled code.
            System.out.println("warm-up: " + load(client, "none", none.actualPort(), warmupSeconds, connections, reviews)
                    + " / " + load(client, "delegated", delegated.actualPort(), warmupSeconds, connections, reviews));
            String before = BenchStats.machine();
            List<Run> runs = new ArrayList<>();
            double[] pairRatios = new double[pairs];
            double[] cpuRatios = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                // Short slices, alternating which goes first: both see the same machine, and a drift
                // (other processes, the JIT) does not favour one.
                boolean noneFirst = i % 2 == 0;
                Run first = load(client, noneFirst ? "none" : "delegated",
                        noneFirst ? none.actualPort() : delegated.actualPort(), seconds, connections, reviews);
                Run second = load(client, noneFirst ? "delegated" : "none",
                        noneFirst ? delegated.actualPort() : none.actualPort(), seconds, connections, reviews);
                runs.add(first);
                runs.add(second);
                Run n = noneFirst ? first : second;
                Run d = noneFirst ? second : first;
                pairRatios[i] = 100 * d.requestsPerSecond() / n.requestsPerSecond();
                cpuRatios[i] = 100 * n.serverCpuMicrosPerRequest() / d.serverCpuMicrosPerRequest();
                System.out.printf("pair %d: %s | %s | delegated/none %.1f%%, server CPU none/delegated %.1f%%%n", i + 1,
                        n, d, pairRatios[i], cpuRatios[i]);
            }
            String after = BenchStats.machine();
            double noneRps = BenchStats.median(rps(runs, "none"));
            double delegatedRps = BenchStats.median(rps(runs, "delegated"));
            long noneOk = runs.stream().filter(r -> r.server().equals("none")).mapToLong(Run::ok).sum();
            long delegatedOk = runs.stream().filter(r -> r.server().equals("delegated")).mapToLong(Run::ok).sum();
            int reviewed = runs.stream().mapToInt(Run::reviews).sum();
            double[] sorted = pairRatios.clone();
            java.util.Arrays.sort(sorted);
            double[] cpuSorted = cpuRatios.clone();
            java.util.Arrays.sort(cpuSorted);
            System.out.printf("auth: closed loop, %d connections, %d pairs of %d s slices (after %d s warm-up each): "
                            + "medians none %.0f req/s, delegated %.0f req/s; all requests delegated/none = %.1f%%; "
                            + "per-pair ratio median %.1f%%, quartiles %.1f%% / %.1f%%; %d SubjectAccessReviews; "
                            + "server CPU per request none/delegated (throughput at equal CPU): median %.1f%%, "
                            + "quartiles %.1f%% / %.1f%% | %s before, %s after%n", connections, pairs, seconds,
                    warmupSeconds, noneRps, delegatedRps,
                    100.0 * delegatedOk / noneOk, BenchStats.median(pairRatios), sorted[sorted.length / 4],
                    sorted[(3 * sorted.length) / 4], reviewed, BenchStats.median(cpuRatios), cpuSorted[cpuSorted.length / 4],
                    cpuSorted[(3 * cpuSorted.length) / 4], before, after);
        } finally {
            auth.close();
            clientVertx.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
            api.destroy();
        }
    }

    private static double[] rps(List<Run> runs, String server) {
        return runs.stream().filter(r -> r.server().equals(server)).mapToDouble(Run::requestsPerSecond).toArray();
    }

    /** {@code connections} loops, each sending the next request when the previous answer has arrived. */
    static Run load(HttpClient client, String server, int port, int seconds, int connections, AtomicInteger reviews)
            throws InterruptedException {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
                .setURI(HttpBench.PATH)
                .addHeader("X-Remote-User", HPA_USER)
                .addHeader("X-Remote-Group", "system:serviceaccounts")
                .addHeader("X-Remote-Group", "system:serviceaccounts:kube-system");
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicLong slowestNanos = new AtomicLong();
        AtomicLong slow = new AtomicLong();
        int reviewsBefore = reviews.get();
        long cpuBefore = serverCpuNanos();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            loop(client, request, end, new Counters(ok, errors, firstError, slowestNanos, slow), done);
        }
        if (!done.await(seconds + 30L, TimeUnit.SECONDS)) {
            throw new IllegalStateException(server + ": the client loops did not finish");
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpuMicros = (serverCpuNanos() - cpuBefore) / 1e3;
        return new Run(server, ok.get() / elapsed, ok.get(), errors.get(), reviews.get() - reviewsBefore,
                firstError.get(), slowestNanos.get() / 1e6, slow.get(), cpuMicros / Math.max(1, ok.get() + errors.get()));
    }

    /**
     * CPU time of the event-loop threads but the client's: the servers' work (TLS, HTTP, the guard,
     * the metric query). Unlike requests per second, it does not fall when other processes take the
     * cores, so its ratio holds on a loaded machine. (Both Vert.x instances name their threads alike:
     * the client's is told apart by its id.)
     */
    private static long serverCpuNanos() {
        long total = 0;
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadId() != clientThreadId && t.getThreadName().startsWith("vert.x-eventloop")) {
                total += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    private record Counters(AtomicLong ok, AtomicLong errors, AtomicReference<String> firstError,
                            AtomicLong slowestNanos, AtomicLong over50ms) {
    }

    private static void loop(HttpClient client, RequestOptions request, long end, Counters counters,
                             CountDownLatch done) {
        long sent = System.nanoTime();
        if (sent >= end) {
            done.countDown();
            return;
        }
        client.request(request)
                .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp.statusCode())))
                .onComplete(ar -> {
                    long took = System.nanoTime() - sent;
                    counters.slowestNanos().accumulateAndGet(took, Math::max);
                    if (took > 50_000_000L) {
                        counters.over50ms().incrementAndGet();
                    }
                    if (ar.succeeded() && ar.result() == 200) {
                        counters.ok().incrementAndGet();
                    } else {
                        counters.errors().incrementAndGet();
                        counters.firstError().compareAndSet(null,
                                ar.succeeded() ? "status " + ar.result() : String.valueOf(ar.cause()));
                    }
                    loop(client, request, end, counters, done);
                });
    }
}
