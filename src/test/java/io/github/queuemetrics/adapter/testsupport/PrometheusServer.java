package io.github.queuemetrics.adapter.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}, installed by
 * adapter/setup-local.sh) on a free port, with a configuration and data directory of its own,
 * scraping one target every second. Never the packaged service on 9090: tests side by side must
 * not share one.
 */
public final class PrometheusServer implements AutoCloseable {

    public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path log, URI base) {
        this.process = process;
        this.log = log;
        this.base = base;
    }

    /** Fails with what to install when a Prometheus binary is missing: never a silent skip. */
    public static void require(Path binary) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " not found: install Debian's prometheus package "
                    + "(`bash adapter/setup-local.sh` does; it brings prometheus and promtool)");
        }
    }

    /** Starts Prometheus scraping {@code target} (host:port, path /metrics) every second; waits until ready. */
    public static PrometheusServer start(Path dir, String target) throws Exception {
        require(PROMETHEUS);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: queue-metrics-adapter
                    static_configs:
                      - targets: ['%s']
                """.formatted(target));
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(List.of(PROMETHEUS.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, log, URI.create("http://127.0.0.1:" + port));
        try {
            server.awaitReady(Duration.ofSeconds(60));
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> r = get("/-/ready");
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready within " + within + ": " + last + "\n" + log());
    }

    /** The whole answer of {@code GET /api/v1/query?query=...} (an error answer too: status "error"). */
    public JsonNode query(String promql) throws Exception {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return JSON.readTree(r.body());
    }

    /** The scrape target's health as Prometheus sees it ("up", "down", "unknown") and its last error. */
    public String targetHealth() throws Exception {
        JsonNode targets = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return targets.isEmpty() ? "no target" : targets.get(0).path("health").asText() + " "
                + targets.get(0).path("lastError").asText();
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
