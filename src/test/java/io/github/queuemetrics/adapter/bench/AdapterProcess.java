package io.github.queuemetrics.adapter.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real adapter as users run it: {@code java [jvmFlags] -jar target/queue-metrics-adapter.jar}
 * in its own process, on free ports, with {@code --authentication none}. Its output goes to a
 * log file so a failed start can be diagnosed.
 */
final class AdapterProcess implements AutoCloseable {

    static final Path JAR = Path.of("target/queue-metrics-adapter.jar");

    final int securePort;
    final int managementPort;
    final Path log;
    private final Process process;

    private AdapterProcess(Process process, int securePort, int managementPort, Path log) {
        this.process = process;
        this.securePort = securePort;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** Starts the jar and waits (up to {@code readyWithin}) until /readyz answers 200. */
    static AdapterProcess start(Path config, List<String> jvmFlags, Duration readyWithin) throws Exception {
        return start(config, jvmFlags, List.of(), readyWithin);
    }

    /** As {@link #start(Path, List, Duration)} with {@code args} added to the adapter's command line. */
    static AdapterProcess start(Path config, List<String> jvmFlags, List<String> args, Duration readyWithin)
            throws Exception {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run `mvn -q -B package -DskipTests` first "
                    + "(bench/run.sh does)");
        }
        int secure = freePort();
        int management = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", JAR.toString(), "--config", config.toString(),
                "--secure-port", Integer.toString(secure), "--management-port", Integer.toString(management),
                "--authentication", "none"));
        command.addAll(args);
        Path log = Files.createTempFile("qma-bench-adapter", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AdapterProcess adapter = new AdapterProcess(process, secure, management, log);
        try {
            adapter.awaitReady(readyWithin);
        } catch (Exception e) {
            adapter.close();
            throw e;
        }
        return adapter;
    }

    private void awaitReady(Duration within) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        URI readyz = managementUri("/readyz");
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the adapter exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                // /readyz turns 200 once the sources have polled, a moment before the secure
                // port listens (it starts last): wait for both.
                if (r.statusCode() == 200 && listening(securePort)) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the adapter was not ready within " + within + ": " + last + "; log " + log);
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    URI secureUri(String path) {
        return URI.create("https://127.0.0.1:" + securePort + path);
    }

    long pid() {
        return process.pid();
    }

    /** A field of /proc/PID/status in KiB, e.g. VmRSS or VmHWM. */
    long statusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in /proc/" + process.pid() + "/status");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
