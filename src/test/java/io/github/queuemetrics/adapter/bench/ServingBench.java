package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.vertx.core.http.HttpVersion;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.Jedis;

/**
 * Issue 9's serving path as users run it: the packaged jar (the image's JVM flags, a celery-redis
 * source of three queues) and {@link BareHttpsServer} in processes of their own, both answering the
 * HPA's request with the same bytes over the same TLS setup.
 * <ol>
 *   <li>Throughput: {@code wrk -t1 -c32}, both warmed for {@code warmupSeconds}, then {@code pairs}
 *       alternating runs of {@code seconds}; the ratio adapter / bare per pair (goal >= 0.8).</li>
 *   <li>Latency at 1,000 req/s open loop ({@link RateLoad}, 10 connections at most) over HTTP/1.1
 *       and over HTTP/2 (what kube-aggregator speaks), for both servers in alternating rounds
 *       (goal: HTTP/2 within 20% of HTTP/1.1; see {@link #latency}).</li>
 * </ol>
 *
 * <p>With {@code extraFlags}, a second adapter process started with the image's flags plus those
 * takes the bare server's place, and the ratios are that adapter's over the first (the cost of a
 * JVM flag on the serving path).
 *
 * <pre>bench/run.sh serving [seconds=10] [pairs=3] [warmupSeconds=20] [latencyRounds=7] [latencySeconds=10] ["extraFlags"]</pre>
 * ({@code pairs} 0: the latency rounds only).
 */
public final class ServingBench {

    static final int REDIS_DB = 14;
    static final String PATH = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_outstanding"
            + "?labelSelector=source%3Dredis%2Cqueue%20in%20(q1%2Cq2%2Cq3)";

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        int roundSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        List<String> extra = args.length > 5 && !args[5].isBlank() ? List.of(args[5].trim().split("\\s+")) : List.of();
        URI redis = Brokers.redisUri(REDIS_DB);
        Path dir = Files.createTempDirectory("qma-serving-");
        List<String> flags = SoakBench.imageJvmFlags();
        try (Jedis jedis = new Jedis(redis)) {
            for (String q : List.of("q1", "q2", "q3")) {
                jedis.del(q);
                jedis.lpush(q, "a", "b", "c");
            }
            String yaml = """
                    pollInterval: 5s
                    sources:
                      - name: redis
                        type: celery-redis
                        uri: %s
                        queues: [q1, q2, q3]
                    """.formatted(redis);
            try (AdapterJar adapter = AdapterJar.start(dir, yaml, flags, Map.of("MALLOC_ARENA_MAX", "2"))) {
                String adapterUrl = "https://127.0.0.1:" + adapter.securePort() + PATH;
                if (!extra.isEmpty()) {
                    compareFlags(dir, yaml, flags, extra, adapterUrl, seconds, pairs, warmup, rounds, roundSeconds);
                    return;
                }
                Path body = Files.write(dir.resolve("body.json"), fetch(adapterUrl));
                int barePort = freePort();
                List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString()));
                command.addAll(flags);
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), BareHttpsServer.class.getName(),
                        Integer.toString(barePort), body.toString()));
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("bare.log").toFile());
                builder.environment().put("MALLOC_ARENA_MAX", "2");
                Process bare = builder.start();
                try {
                    awaitListening(barePort);
                    String bareUrl = "https://127.0.0.1:" + barePort + PATH;
                    if (!java.util.Arrays.equals(fetch(bareUrl), Files.readAllBytes(body))) {
                        throw new IllegalStateException("the bare server does not answer the adapter's bytes");
                    }
                    System.out.printf("serving: adapter vs bare, body %d bytes%n", Files.size(body));
                    if (pairs > 0) {
                        measure("bare", bareUrl, "adapter", adapterUrl, seconds, pairs, warmup);
                    }
                    latency("bare", bareUrl, "adapter", adapterUrl, rounds, roundSeconds);
                } finally {
                    bare.destroy();
                    bare.waitFor();
                }
            }
        } finally {
            try (Jedis jedis = new Jedis(redis)) {
                jedis.del("q1", "q2", "q3");
            }
        }
    }

    /**
     * A second adapter with the image's flags plus {@code extra} (e.g. a JIT flag) in place of the
     * bare server: the same load against both, so the ratio is what the flags cost or gain.
     */
    private static void compareFlags(Path dir, String yaml, List<String> flags, List<String> extra, String adapterUrl,
                                     int seconds, int pairs, int warmup, int rounds, int roundSeconds) throws Exception {
        List<String> withExtra = new ArrayList<>(flags);
        withExtra.addAll(extra);
        Path otherDir = Files.createDirectories(dir.resolve("extra-flags")); // its own config and log
        try (AdapterJar other = AdapterJar.start(otherDir, yaml, withExtra, Map.of("MALLOC_ARENA_MAX", "2"))) {
            String otherUrl = "https://127.0.0.1:" + other.securePort() + PATH;
            // the same answer but for the poll times in it (two processes poll at different moments)
            int otherLength = fetch(otherUrl).length;
            int length = fetch(adapterUrl).length;
            if (otherLength != length) {
                throw new IllegalStateException("the two adapters answer " + length + " and " + otherLength + " bytes");
            }
            String otherName = "adapter " + String.join(" ", extra);
            System.out.println("serving: adapter with the image's flags vs adapter with " + String.join(" ", extra)
                    + " added");
            if (pairs > 0) {
                measure("adapter", adapterUrl, otherName, otherUrl, seconds, pairs, warmup);
            }
            latency("adapter", adapterUrl, otherName, otherUrl, rounds, roundSeconds);
        }
    }

    /** wrk pairs, alternating which goes first; the ratio {@code other / base} per pair and its median. */
    private static void measure(String baseName, String baseUrl, String otherName, String otherUrl, int seconds,
                                int pairs, int warmup) throws Exception {
        System.out.println("warm-up: " + HttpBench.wrk(baseName, baseUrl, warmup, 32, 1) + " / "
                + HttpBench.wrk(otherName, otherUrl, warmup, 32, 1));
        double[] ratios = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            boolean baseFirst = i % 2 == 0;
            HttpBench.WrkRun first = HttpBench.wrk(baseFirst ? baseName : otherName, baseFirst ? baseUrl : otherUrl,
                    seconds, 32, 1);
            HttpBench.WrkRun second = HttpBench.wrk(baseFirst ? otherName : baseName, baseFirst ? otherUrl : baseUrl,
                    seconds, 32, 1);
            HttpBench.WrkRun base = baseFirst ? first : second;
            HttpBench.WrkRun other = baseFirst ? second : first;
            ratios[i] = other.requestsPerSecond() / base.requestsPerSecond();
            System.out.printf("pair %d: %s | %s | %s/%s %.2f%n", i + 1, base, other, otherName, baseName, ratios[i]);
        }
        System.out.printf("serving: wrk -t1 -c32, %d pairs of %d s: %s/%s median %.2f%n", pairs, seconds, otherName,
                baseName, BenchStats.median(ratios));
    }

    /**
     * Mean latency at 1,000 req/s over HTTP/1.1 and HTTP/2 for both servers, in {@code rounds}
     * rounds of {@code seconds} per server and protocol. The order of the servers and of the
     * protocols alternates from round to round, and each round yields an h2/h1 ratio per server:
     * on a shared 2-core machine a single pair of runs moved the ratio by 0.4 from one run to the
     * next, so the verdict rests on the median of the per-round ratios, not on one pair of means.
     * Each (server, protocol) keeps its client, and its connections, across rounds.
     */
    private static void latency(String baseName, String baseUrl, String otherName, String otherUrl, int rounds,
                                int seconds) throws Exception {
        List<String> names = List.of(baseName, otherName);
        List<URI> urls = List.of(URI.create(baseUrl), URI.create(otherUrl));
        List<HttpVersion> versions = List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2);
        RateLoad[][] loads = new RateLoad[2][2];
        double[][][] means = new double[2][2][rounds];
        double[][][] medians = new double[2][2][rounds];
        try {
            for (int s = 0; s < 2; s++) {
                for (int v = 0; v < 2; v++) {
                    loads[s][v] = new RateLoad(true, 10, versions.get(v));
                    loads[s][v].run(urls.get(s), 1000, Duration.ofSeconds(5)); // warm this protocol's path
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < 2; i++) {
                    int s = (r + i) % 2;
                    for (int j = 0; j < 2; j++) {
                        int v = (r / 2 + j) % 2;
                        RateLoad.Result result = loads[s][v].run(urls.get(s), 1000, Duration.ofSeconds(seconds));
                        means[s][v][r] = result.latency().getMean() / 1000.0;
                        medians[s][v][r] = RateLoad.Result.ms(result.latency(), 50);
                        System.out.printf("round %d %s %s: mean %.3f ms | %s | %s%n", r + 1, names.get(s),
                                versions.get(v), means[s][v][r], result, BenchStats.machine());
                    }
                }
                System.out.printf("round %d: h2/h1 mean latency %s %.2f, %s %.2f%n", r + 1, baseName,
                        means[0][1][r] / means[0][0][r], otherName, means[1][1][r] / means[1][0][r]);
            }
        } finally {
            for (RateLoad[] pair : loads) {
                for (RateLoad load : pair) {
                    if (load != null) {
                        load.close();
                    }
                }
            }
        }
        for (int s = 0; s < 2; s++) {
            double[] meanRatios = new double[rounds];
            double[] medianRatios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                meanRatios[r] = means[s][1][r] / means[s][0][r];
                medianRatios[r] = medians[s][1][r] / medians[s][0][r];
            }
            System.out.printf("serving: %s at 1,000 req/s, %d rounds of %d s: mean latency HTTP/1.1 median %.3f ms, "
                            + "HTTP/2 median %.3f ms; h2/h1 of the means per round %s, median %.2f; "
                            + "h2/h1 of the p50s per round %s, median %.2f%n",
                    names.get(s), rounds, seconds, BenchStats.median(means[s][0]), BenchStats.median(means[s][1]),
                    ratios(meanRatios), BenchStats.median(meanRatios), ratios(medianRatios),
                    BenchStats.median(medianRatios));
        }
    }

    private static String ratios(double[] ratios) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ratios.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.2f", ratios[i]));
        }
        return sb.append(']').toString();
    }

    private static byte[] fetch(String url) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {TestCertificates.TRUST_ANY_SERVER}, null);
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return r.body();
    }

    private static void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the bare server did not listen on " + port + " within 30 s");
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
