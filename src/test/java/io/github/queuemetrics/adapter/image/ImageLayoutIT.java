package io.github.queuemetrics.adapter.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.image.Dockerfile.Instruction;
import io.github.queuemetrics.adapter.testsupport.Brokers;
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
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image without Docker: the final stage's files laid out from {@code target/} under a temporary
 * root (every {@code COPY --from=build /src/target/...} and {@code WORKDIR} of the Dockerfile, read
 * from it), then the entrypoint and command, with exactly the Dockerfile's JVM flags and {@code ENV},
 * run from there until {@code /healthz} answers 200. Paths of the image ({@code /app},
 * {@code /etc/...}, {@code /tmp/...}) are mapped under the temporary root. The configuration is
 * mounted over the image's as the Deployment's ConfigMap is: one RQ source on this branch's Redis DB.
 */
class ImageLayoutIT {

    static final Path TARGET = Path.of(System.getProperty("user.dir"), "target");

    @TempDir
    Path root;

    @Test
    void theImagesFilesStartWithTheImagesCommandAndFlags() throws Exception {
        Dockerfile dockerfile = Dockerfile.read();
        for (Instruction copy : dockerfile.finalStage()) {
            if (copy.keyword().equals("COPY") && copy.arguments().startsWith("--from=build /src/target/")) {
                String[] parts = copy.arguments().split("\\s+");
                copyTree(TARGET.resolve(parts[1].substring("/src/target/".length())), inRoot(parts[2]));
            }
        }
        Path jar = inRoot("/app/queue-metrics-adapter.jar");
        assertThat(jar).isRegularFile();
        // Every Class-Path entry of the thin jar is in the image's lib/ (a dependency left out of the
        // layer would fail the start with NoClassDefFoundError).
        try (JarFile file = new JarFile(jar.toFile())) {
            String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
            assertThat(classPath.split(" ")).hasSizeGreaterThan(10)
                    .allSatisfy(entry -> assertThat(jar.resolveSibling(entry)).isRegularFile());
        }
        String config = dockerfile.cmd().get(0).substring("--config=".length());
        Files.createDirectories(inRoot(config).getParent());
        Files.writeString(inRoot(config), """
                sources:
                  - name: image
                    type: rq
                    uri: %s
                    queues: [i8-install-image-absent]
                """.formatted(Brokers.redisUri(0)));

        int management = freePort();
        int secure = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> entrypoint = dockerfile.entrypoint();
        entrypoint.subList(1, entrypoint.size()).forEach(a -> command.add(mapped(a)));
        dockerfile.cmd().forEach(a -> command.add(mapped(a)));
        command.addAll(List.of("--secure-port=" + secure, "--management-port=" + management));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workdir(dockerfile).toFile())
                .redirectErrorStream(true).redirectOutput(root.resolve("adapter.log").toFile());
        dockerfile.env().forEach(e -> builder.environment().put(e[0], e[1]));
        Process process = builder.start();
        try {
            HttpResponse<String> health = waitForHealth(management, process);
            assertThat(health.statusCode()).as(Files.readString(root.resolve("adapter.log"))).isEqualTo(200);
            // The flags reached the JVM as the image gives them.
            String flags = String.join(" ", ProcessHandle.of(process.pid()).orElseThrow().info().arguments().orElseThrow());
            assertThat(flags).contains(String.join(" ", dockerfile.jvmFlags().stream().map(this::mapped)
                    .toList()));
        } finally {
            process.destroy();
            if (!process.waitFor(25, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        // SIGTERM (what Kubernetes sends to PID 1, here java itself: exec form) ends it cleanly.
        assertThat(process.exitValue()).as(Files.readString(root.resolve("adapter.log"))).isIn(0, 143);
    }

    @Test
    void theHeapIsAQuarterOfTheContainersMemoryLimit() throws Exception {
        // A container's cgroup limit reaches the JVM as its physical memory; -XX:MaxRAM stands in
        // for the Deployment's 384Mi limit here.
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(Dockerfile.read().jvmFlags().stream().map(this::mapped).toList());
        command.addAll(List.of("-XX:MaxRAM=384m", "-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        assertThat(out).containsPattern("size_t MaxHeapSize\\s+= " + 96 * 1024 * 1024 + " ");
        assertThat(out).containsPattern("bool UseSerialGC\\s+= true ");
    }

    /** An argument with an absolute image path, mapped under the root. */
    private String mapped(String argument) {
        if (argument.startsWith("/")) {
            return inRoot(argument).toString();
        }
        int eq = argument.indexOf("=/");
        return eq < 0 ? argument : argument.substring(0, eq + 1) + inRoot(argument.substring(eq + 1));
    }

    private Path inRoot(String imagePath) {
        return root.resolve(imagePath.substring(1));
    }

    private Path workdir(Dockerfile dockerfile) throws IOException {
        String dir = dockerfile.finalStage().stream().filter(i -> i.keyword().equals("WORKDIR")).reduce((a, b) -> b)
                .orElseThrow().arguments();
        return Files.createDirectories(inRoot(dir));
    }

    private static HttpResponse<String> waitForHealth(int port, Process process) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no answer on /healthz (exited: " + !process.isAlive() + ")", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isRegularFile(from)) {
            Files.createDirectories(to.getParent());
            Files.copy(from, to);
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
