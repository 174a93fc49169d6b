package io.github.queuemetrics.adapter.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.cli.CommandLine;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole adapter in-process ({@code new Adapter(options, config).start()}) on ephemeral ports,
 * with blocking HTTP helpers: external metric values over HTTPS, probes and /metrics over the
 * management port. For integration tests against real brokers and workers.
 */
public final class RunningAdapter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Adapter adapter;
    private final Vertx vertx = Vertx.vertx();
    private final WebClient https;
    private final WebClient http;

    private RunningAdapter(Adapter adapter) {
        this.adapter = adapter;
        this.https = WebClient.create(vertx, new WebClientOptions().setSsl(true).setTrustAll(true)
                .setVerifyHost(false).setDefaultHost("localhost").setDefaultPort(adapter.securePort()));
        this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")
                .setDefaultPort(adapter.managementPort()));
    }

    /**
     * Starts the adapter on the configuration {@code yaml} (no authentication, ports chosen by the
     * OS), with {@code moreArgs} added to its command line (e.g. --kubeconfig FILE).
     */
    public static RunningAdapter start(String yaml, String... moreArgs) throws Exception {
        Path file = Files.createTempFile("qma-it-", ".yaml");
        Files.writeString(file, yaml);
        file.toFile().deleteOnExit();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--config", file.toString(),
                "--secure-port", "0", "--management-port", "0", "--authentication", "none"));
        args.addAll(java.util.List.of(moreArgs));
        CommandLine.Options options = CommandLine.parse(args.toArray(String[]::new), Map.of());
        AdapterConfig config = ConfigLoader.parse(yaml, System.getenv());
        Adapter adapter = new Adapter(options, config);
        adapter.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return new RunningAdapter(adapter);
    }

    public Adapter adapter() {
        return adapter;
    }

    /** The value one queue's metric has over the external metrics API; throws on a non-200 answer. */
    public double metric(String metric, String source, String queue) {
        JsonNode items = metricItems(metric, "source=" + source + ",queue=" + queue);
        if (items.size() != 1) {
            throw new AssertionError("expected one item for " + source + "/" + queue + ": " + items);
        }
        return quantity(items.get(0).get("value").asText());
    }

    /** The items of {@code GET .../namespaces/default/{metric}?labelSelector=...}. */
    public JsonNode metricItems(String metric, String selector) {
        HttpResponse<Buffer> r = get(https, "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/" + metric
                + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new AssertionError(metric + " answered " + r.statusCode() + ": " + r.bodyAsString());
        }
        try {
            return JSON.readTree(r.bodyAsString()).get("items");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** {@code POST path} on the secure port with a JSON body: status code and body. */
    public Probe postSecure(String path, String json) {
        try {
            HttpResponse<Buffer> r = https.post(path).putHeader("Content-Type", "application/json")
                    .sendBuffer(Buffer.buffer(json)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new Probe(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString());
        } catch (Exception e) {
            throw new AssertionError("POST " + path + " failed: " + e, e);
        }
    }

    /** A probe on the management port: status code and body. */
    public Probe probe(String path) {
        HttpResponse<Buffer> r = get(http, path);
        return new Probe(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString().trim());
    }

    /** The Prometheus text of /metrics. */
    public String scrape() {
        HttpResponse<Buffer> r = get(http, "/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return r.bodyAsString();
    }

    /** The value of one sample line of /metrics, e.g. {@code worker_up{source="s",kind="celery",worker="w"}}. */
    public static double sample(String scrape, String nameAndLabels) {
        return scrape.lines().filter(l -> l.startsWith(nameAndLabels + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(nameAndLabels.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no line " + nameAndLabels + " in /metrics:\n" + scrape));
    }

    /** When the snapshot the store serves for {@code source} was taken; null before the first good poll. */
    public Instant snapshotTakenAt(String source) {
        SourceSnapshot s = adapter.store().state(source).lastGood();
        return s == null ? null : s.takenAt();
    }

    /** A Kubernetes quantity as the API writes it ("7", "1500m", "2k", "500u"). */
    public static double quantity(String q) {
        String[] suffixes = {"n", "u", "m", "k", "M", "G"};
        int[] exponents = {-9, -6, -3, 3, 6, 9};
        for (int i = 0; i < suffixes.length; i++) {
            if (q.endsWith(suffixes[i])) {
                return new BigDecimal(q.substring(0, q.length() - 1)).scaleByPowerOfTen(exponents[i]).doubleValue();
            }
        }
        return new BigDecimal(q).doubleValue();
    }

    private static HttpResponse<Buffer> get(WebClient client, String uri) {
        try {
            return client.get(uri).send().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("GET " + uri + " failed: " + e, e);
        }
    }

    /** A probe answer. */
    public record Probe(int status, String body) {
    }

    @Override
    public void close() {
        try {
            https.close();
            http.close();
            vertx.close();
        } finally {
            adapter.stop();
        }
    }
}
