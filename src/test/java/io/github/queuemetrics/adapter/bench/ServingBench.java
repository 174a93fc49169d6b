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
 *       and over HTTP/2 (what kube-aggregator speaks), for both servers (goal: HTTP/2 within 20% of
 *       HTTP/1.1).</li>
 * </ol>
 *
 * <p>With {@code extraFlags}, a second adapter process started with the image's flags plus those
 * takes the bare server's place, and the ratios are that adapter's over the first (the cost of a
 * JVM flag on the serving path).
 *
 * <pre>bench/run.sh serving [seconds=10] [pairs=3] [warmupSeconds=20] ["extraFlags"]</pre>
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
        List<String> extra = args.length > 3 && !args[3].isBlank() ? List.of(args[3].trim().split("\\s+")) : List.of();
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
                    compareFlags(dir, yaml, flags, extra, adapterUrl, seconds, pairs, warmup);
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
                    measure("bare", bareUrl, "adapter", adapterUrl, seconds, pairs, warmup);
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
                                     int seconds, int pairs, int warmup) throws Exception {
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
            System.out.println("serving: adapter with the image's flags vs adapter with " + String.join(" ", extra)
                    + " added");
            measure("adapter", adapterUrl, "adapter " + String.join(" ", extra), otherUrl, seconds, pairs, warmup);
        }
    }

    /** wrk pairs (ratio {@code other / base}), then open-loop latency over HTTP/1.1 and HTTP/2 for both. */
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
        for (String url : List.of(baseUrl, otherUrl)) {
            String server = url.equals(baseUrl) ? baseName : otherName;
            double[] means = new double[2];
            for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
                try (RateLoad load = new RateLoad(true, 10, version)) {
                    load.run(URI.create(url), 1000, Duration.ofSeconds(5)); // warm this protocol's path
                    RateLoad.Result r = load.run(URI.create(url), 1000, Duration.ofSeconds(20));
                    means[version == HttpVersion.HTTP_2 ? 1 : 0] = r.latency().getMean() / 1000.0;
                    System.out.printf("%s %s: mean %.3f ms | %s%n", server, version, r.latency().getMean() / 1000.0, r);
                }
            }
            System.out.printf("serving: %s at 1,000 req/s: mean latency HTTP/1.1 %.3f ms, HTTP/2 %.3f ms, h2/h1 %.2f%n",
                    server, means[0], means[1], means[1] / means[0]);
        }
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
