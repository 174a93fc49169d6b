package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java [flags] -jar target/queue-metrics-adapter.jar} in its own process, on free ports,
 * output in a log file, for tests that look at the process from outside (memory, log).
 */
final class JarProcess implements AutoCloseable {

    private static final Path BASE = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = BASE.resolve("target/queue-metrics-adapter.jar");

    final int securePort;
    final int managementPort;
    final Path log;
    final Process process;

    private JarProcess(Process process, int securePort, int managementPort, Path log) {
        this.process = process;
        this.securePort = securePort;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** Starts the jar on {@code config} and waits until /readyz answers 200 and the secure port listens. */
    static JarProcess start(Path config, List<String> jvmFlags, Path dir) throws Exception {
        if (!Files.isRegularFile(JAR)) {
            fail(JAR + " is missing: build it with `mvn package` (`mvn verify` does, before the integration tests)");
        }
        int secure = freePort();
        int management = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", JAR.toString(), "--config", config.toString(), "--secure-port",
                Integer.toString(secure), "--management-port", Integer.toString(management), "--authentication",
                "none"));
        Path log = Files.createTempFile(dir, "adapter", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(BASE.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().remove("KUBERNETES_SERVICE_HOST");
        JarProcess jar = new JarProcess(builder.start(), secure, management, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!jar.process.isAlive()) {
                fail("the adapter exited with " + jar.process.exitValue() + ":\n" + Files.readString(log));
            }
            if (listening(management) && listening(secure)
                    && MetricsApi.management(management, "/readyz").status() == 200) {
                return jar;
            }
            MetricsApi.sleep(200);
        }
        jar.close();
        throw new AssertionError("the adapter was not ready within 60 s:\n" + Files.readString(log));
    }

    /** Resident memory of the process in KiB ({@code VmRSS} of /proc/PID/status). */
    long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS for pid " + process.pid());
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("localhost", port)) {
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

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
