package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.api.ApiServerFactory;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Metric GETs over HTTPS with keep-alive, against a bare Vert.x HTTPS endpoint in the same run.
 * Target: the adapter serves at least 80% of the bare endpoint's throughput, with p99 under 5 ms.
 *
 * <p>Both servers run in this JVM on one Vert.x instance with the same TLS setup
 * ({@link SecureServer}, self-signed certificate, ALPN h2 + http/1.1; wrk speaks HTTP/1.1):
 * <ul>
 * <li><b>bare</b>: a Router whose only route answers a constant body: the exact bytes the adapter
 *     answers to the same request, with the same content type, so only the adapter's own work
 *     (selector parsing, store query, JSON building) differs;</li>
 * <li><b>adapter</b>: the real secure-port router ({@link ApiServerFactory}) over a
 *     {@link MetricStore} holding 3 sources x 100 queues with every metric; the request selects 3
 *     queues of one source, as an HPA does.</li>
 * </ul>
 * {@code wrk --latency} loads each in turn, A/B/A/B, with the same threads, connections and
 * duration; one warm-up run of each first. Then an open-loop run ({@link RateLoad}) at a fixed rate
 * gives the adapter's p99 without coordinated omission.
 *
 * <pre>bench/run.sh http [seconds=10] [connections=8] [pairs=3] [openLoopRate=1000]</pre>
 */
public final class HttpBench {

    static final int QUEUES_PER_SOURCE = 100;
    static final String PATH = "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/queue_outstanding"
            + "?labelSelector=" + URLEncoder.encode("source=redis,queue in (queue-17,queue-18,queue-19)",
            StandardCharsets.UTF_8);

    /** One wrk run. */
    record WrkRun(String server, double requestsPerSecond, double p50Millis, double p99Millis, String errors) {
    }

    private HttpBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int openLoopRate = args.length > 3 ? Integer.parseInt(args[3]) : 1000;

        Vertx vertx = Vertx.vertx();
        try {
            MetricStore store = filledStore();
            HttpServer adapter = ApiServerFactory.start(vertx, store, null, 0, TlsOptions.selfSigned(List.of()))
                    .await(60, TimeUnit.SECONDS);
            Buffer body = fetch(vertx, adapter.actualPort());
            System.out.println("adapter answer: " + body.length() + " bytes: " + body);
            Router bareRouter = Router.router(vertx);
            bareRouter.route().handler(ctx -> ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private")
                    .end(body));
            HttpServer bare = SecureServer.start(vertx, bareRouter, 0, TlsOptions.selfSigned(List.of()))
                    .await(60, TimeUnit.SECONDS);
            String bareUrl = "https://127.0.0.1:" + bare.actualPort() + PATH;
            String adapterUrl = "https://127.0.0.1:" + adapter.actualPort() + PATH;

            System.out.println("warm-up: " + wrk("bare", bareUrl, 5, connections) + " / "
                    + wrk("adapter", adapterUrl, 5, connections));
            String before = BenchStats.machine();
            List<WrkRun> runs = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                runs.add(wrk("bare", bareUrl, seconds, connections));
                System.out.println(runs.get(runs.size() - 1));
                runs.add(wrk("adapter", adapterUrl, seconds, connections));
                System.out.println(runs.get(runs.size() - 1));
            }
            String after = BenchStats.machine();
            double bareRps = BenchStats.median(values(runs, "bare", WrkRun::requestsPerSecond));
            double adapterRps = BenchStats.median(values(runs, "adapter", WrkRun::requestsPerSecond));
            double bareP99 = BenchStats.median(values(runs, "bare", WrkRun::p99Millis));
            double adapterP99 = BenchStats.median(values(runs, "adapter", WrkRun::p99Millis));
            double adapterP99Max = BenchStats.percentile(values(runs, "adapter", WrkRun::p99Millis), 100);
            // Each adapter run against the bare run just before it: adjacent runs share the machine's mood.
            double[] pairRatios = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                pairRatios[i] = 100 * runs.get(2 * i + 1).requestsPerSecond() / runs.get(2 * i).requestsPerSecond();
            }
            System.out.printf("http: wrk -t2 -c%d -d%ds, %d A/B pairs, medians: bare %.0f req/s (p99 %.2f ms), "
                            + "adapter %.0f req/s (p99 %.2f ms, worst run %.2f ms); adapter/bare = %.1f%%, per pair %s%%, "
                            + "median pair %.1f%% | %s before, %s after%n",
                    connections, seconds, pairs, bareRps, bareP99, adapterRps, adapterP99, adapterP99Max,
                    100 * adapterRps / bareRps, BenchStats.fmt(pairRatios), BenchStats.median(pairRatios), before, after);

            if (openLoopRate > 0) {
                try (RateLoad load = new RateLoad(true, connections)) {
                    load.run(URI.create(adapterUrl), openLoopRate, Duration.ofSeconds(5));
                    System.out.println("http open-loop: " + load.run(URI.create(adapterUrl), openLoopRate,
                            Duration.ofSeconds(20)) + " | " + BenchStats.machine());
                }
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static double[] values(List<WrkRun> runs, String server, java.util.function.ToDoubleFunction<WrkRun> f) {
        return runs.stream().filter(r -> r.server().equals(server)).mapToDouble(f).toArray();
    }

    /** 3 sources of 100 queues each, every metric set, fresh for an hour. */
    static MetricStore filledStore() {
        List<SourceConfig> configs = List.of(
                source("rabbit", SourceType.RABBITMQ), source("redis", SourceType.CELERY_REDIS),
                source("rq", SourceType.RQ));
        MetricStore store = new MetricStore(configs, Clock.systemUTC());
        for (SourceConfig config : configs) {
            List<QueueSample> samples = new ArrayList<>();
            for (int q = 0; q < QUEUES_PER_SOURCE; q++) {
                QueueSample.Builder b = QueueSample.builder(config.name(), "queue-" + q);
                if (config.type() == SourceType.RABBITMQ) {
                    b.label(QueueSample.LABEL_VHOST, "/");
                }
                for (QueueMetric metric : QueueMetric.values()) {
                    b.value(metric, metric == QueueMetric.WORKERS_UTILIZATION ? 0.375 : q % 17 + 0.5);
                }
                samples.add(b.build());
            }
            store.recordSuccess(new SourceSnapshot(config.name(), Instant.now(), samples));
        }
        return store;
    }

    private static SourceConfig source(String name, SourceType type) {
        List<String> queues = new ArrayList<>();
        for (int q = 0; q < QUEUES_PER_SOURCE; q++) {
            queues.add("queue-" + q);
        }
        return new SourceConfig(name, type, null, null, null, URI.create("redis://localhost:6379/12"), queues, null,
                WorkerKind.NONE, null, Duration.ofSeconds(5), Duration.ofHours(1), null, null, null);
    }

    private static Buffer fetch(Vertx vertx, int port) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true)
                .setVerifyHost(false));
        try {
            return client.request(new RequestOptions().setMethod(HttpMethod.GET)
                            .setAbsoluteURI("https://127.0.0.1:" + port + PATH))
                    .compose(req -> req.send().compose(resp -> {
                        if (resp.statusCode() != 200) {
                            throw new IllegalStateException("adapter answered " + resp.statusCode());
                        }
                        return resp.body();
                    }))
                    .await(30, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("(Non-2xx or 3xx responses: \\d+|Socket errors: .*)");

    /** Runs wrk and reads its summary. */
    static WrkRun wrk(String server, String url, int seconds, int connections) throws Exception {
        return wrk(server, url, seconds, connections, 2);
    }

    /** wrk with {@code threads} threads. */
    static WrkRun wrk(String server, String url, int seconds, int connections, int threads) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", url)
                .redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            r.lines().forEach(l -> out.append(l).append('\n'));
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + out);
        }
        Matcher rps = RPS.matcher(out);
        if (!rps.find()) {
            throw new IllegalStateException("no Requests/sec in wrk output: " + out);
        }
        double p50 = -1;
        double p99 = -1;
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 0.001;
                case "ms" -> 1;
                default -> 1000;
            };
            if (m.group(1).equals("50")) {
                p50 = v;
            } else {
                p99 = v;
            }
        }
        Matcher errors = ERRORS.matcher(out);
        StringBuilder e = new StringBuilder();
        while (errors.find()) {
            e.append(errors.group(1)).append("; ");
        }
        return new WrkRun(server, Double.parseDouble(rps.group(1)), p50, p99, e.length() == 0 ? "none" : e.toString());
    }
}
