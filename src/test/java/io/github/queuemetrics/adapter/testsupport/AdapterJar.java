package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged adapter as users run it, {@code java -jar target/queue-metrics-adapter.jar}, in
 * its own process on free ports, by default with {@code --authentication none} (failsafe runs after
 * {@code package}, so the jar is there). Output goes to a log file shown when the start fails.
 */
public final class AdapterJar implements AutoCloseable {

    private static final Path BASE = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = BASE.resolve("target/queue-metrics-adapter.jar");

    private final Process process;
    private final int managementPort;
    private final int securePort;
    private final Path log;

    private AdapterJar(Process process, int managementPort, int securePort, Path log) {
        this.process = process;
        this.managementPort = managementPort;
        this.securePort = securePort;
        this.log = log;
    }

    /** Starts the jar on {@code yaml} and waits until /readyz answers 200 (every source polled). */
    public static AdapterJar start(Path dir, String yaml) throws Exception {
        return start(dir, yaml, new String[0]);
    }

    /**
     * As {@link #start(Path, String)} with {@code moreArgs} added; {@code --authentication none}
     * unless they give {@code --authentication} themselves.
     */
    public static AdapterJar start(Path dir, String yaml, String... moreArgs) throws Exception {
        return start(dir, yaml, List.of(), Map.of(), moreArgs);
    }

    /** As {@link #start(Path, String, String...)}, with JVM flags before {@code -jar} and more environment. */
    public static AdapterJar start(Path dir, String yaml, List<String> jvmFlags, Map<String, String> env,
                                   String... moreArgs) throws Exception {
        Path config = Files.writeString(dir.resolve("adapter.yaml"), yaml);
        return start(config, dir.resolve("adapter.log"), jvmFlags, env, Duration.ofSeconds(60), moreArgs);
    }

    /**
     * The jar on an existing {@code config}, its output to {@code log}, ready (every source polled
     * and the secure port listening) within {@code readyWithin}: the benchmarks' entry point.
     */
    public static AdapterJar start(Path config, Path log, List<String> jvmFlags, Map<String, String> env,
                                   Duration readyWithin, String... moreArgs) throws Exception {
        if (!Files.isRegularFile(JAR) || !Files.isDirectory(BASE.resolve("target/lib"))) {
            throw new IllegalStateException(JAR + " (with target/lib/) is missing: build it with `mvn package` "
                    + "(`mvn verify` does, before the integration tests; bench/run.sh does too)");
        }
        int management = freePort();
        int secure = freePort();
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", JAR.toString(), "--config", config.toString(),
                "--secure-port", Integer.toString(secure), "--management-port", Integer.toString(management)));
        if (!List.of(moreArgs).contains("--authentication")) {
            command.addAll(List.of("--authentication", "none"));
        }
        command.addAll(List.of(moreArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("KUBERNETES_SERVICE_HOST");
        builder.environment().putAll(env);
        AdapterJar adapter = new AdapterJar(builder.start(), management, secure, log);
        try {
            adapter.awaitReady(readyWithin);
        } catch (Exception e) {
            adapter.close();
            throw e;
        }
        return adapter;
    }

    private void awaitReady(Duration within) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the adapter exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(managementUri("/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                // /readyz turns 200 once the sources have polled, a moment before the secure port
                // listens (it starts last): wait for both.
                if (r.statusCode() == 200 && listening(securePort)) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the adapter was not ready within " + within + ": " + last + "\n" + log());
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The JVM's process id (for /proc/PID: resident memory, threads). */
    public long pid() {
        return process.pid();
    }

    public int managementPort() {
        return managementPort;
    }

    public int securePort() {
        return securePort;
    }

    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    public URI secureUri(String path) {
        return URI.create("https://127.0.0.1:" + securePort + path);
    }

    /** A field of /proc/PID/status in KiB, e.g. VmRSS or VmHWM. */
    public long statusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in /proc/" + process.pid() + "/status");
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL: the adapter stops without any shutdown (no lease released, nothing undone). */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
