package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The packaged adapter as a user starts it: {@code java -jar target/queue-metrics-adapter.jar}
 * in its own process (failsafe runs after {@code package}, so the jar is there).
 */
class CliIT {

    private static final Path BASE = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = BASE.resolve("target/queue-metrics-adapter.jar");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final String RQ_QUEUE = "e2e-cli";

    @TempDir
    static Path dir;

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void jarIsBuilt() {
        if (!Files.isRegularFile(JAR) || !Files.isDirectory(BASE.resolve("target/lib"))) {
            fail(JAR + " (with target/lib/) is missing: build it with `mvn package` (`mvn verify` does, before "
                    + "the integration tests)");
        }
    }

    private static ProcessBuilder adapter(Map<String, String> env, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA.toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(BASE.toFile());
        // outside a cluster whatever the machine running the tests is
        builder.environment().remove("KUBERNETES_SERVICE_HOST");
        builder.environment().putAll(env);
        return builder;
    }

    private static Result run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = adapter(env, List.of(), args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("java -jar " + String.join(" ", args) + " did not exit within 30 s");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryOption() throws Exception {
        Result result = run(Map.of(), "--help");
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("Usage: java -jar queue-metrics-adapter.jar")
                .contains("--config FILE", "--secure-port N", "--management-port N", "--tls-cert-file F",
                        "--tls-private-key-file F", "--authentication none|delegated", "--check-config", "--help",
                        "--version", "default: 6443", "default: 8080");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void versionPrintsTheProjectVersion() throws Exception {
        String pom = Files.readString(BASE.resolve("pom.xml"));
        String version = pom.replaceFirst("(?s).*?<artifactId>queue-metrics-adapter</artifactId>\\s*<version>([^<]+)</version>.*",
                "$1");
        Result result = run(Map.of(), "--version");
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out().strip()).isEqualTo("queue-metrics-adapter " + version);
    }

    @Test
    void checkConfigOfTheSampleShowsTheSourcesWithoutThePassword() throws Exception {
        String secret = "e2e-Secr3t-" + System.nanoTime();
        Result result = run(Map.of("RABBITMQ_PASSWORD", secret), "--config", "adapter/adapter.yaml", "--check-config");
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).contains("configuration is valid: 3 sources", "- name: rabbit", "- name: redis",
                "- name: rq", "amqpUri: amqp://guest:***@localhost:5672/%2F");
        assertThat(result.out() + result.err()).doesNotContain(secret);
    }

    @Test
    void aBadConfigurationExits2WithOneLinePerProblemNamingTheField() throws Exception {
        String secret = "e2e-hunter2-" + System.nanoTime();
        Path config = file("bad.yaml", """
                pollInterval: 5 seconds
                sources:
                  - name: Bad_Name
                    type: rq
                    uri: redis://:%s@localhost:6379/1
                    queues: []
                    pollIntervall: 5s
                """.formatted(secret));
        Result result = run(Map.of(), "--config", config.toString());
        assertThat(result.exit()).as(result.toString()).isEqualTo(2);
        List<String> lines = result.err().lines().toList();
        assertThat(lines).as(result.toString()).hasSize(4)
                .allSatisfy(line -> assertThat(line).matches("(pollInterval|sources\\[0]\\.[A-Za-z]+): .+"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("pollInterval: "))
                .anySatisfy(l -> assertThat(l).startsWith("sources[0].name: "))
                .anySatisfy(l -> assertThat(l).startsWith("sources[0].queues: "))
                .anySatisfy(l -> assertThat(l).startsWith("sources[0].pollIntervall: ").contains("pollInterval"));
        assertThat(result.out() + result.err()).doesNotContain(secret);
    }

    @Test
    void aMissingConfigurationFileExits2() throws Exception {
        Result result = run(Map.of(), "--config", dir.resolve("absent.yaml").toString());
        assertThat(result.exit()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("absent.yaml").contains("--config");
    }

    @Test
    void anUnknownOptionExits2AndSuggestsTheRightOne() throws Exception {
        Result result = run(Map.of(), "--secure-prot", "6443");
        assertThat(result.exit()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("unknown option --secure-prot; did you mean --secure-port?")
                .contains("--help");
    }

    @Test
    void delegatedAuthenticationWithoutAnApiServerFailsAtOnceNamingTheConfigMap() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path kubeconfig = file("kubeconfig.yaml", """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(closed));
        long started = System.nanoTime();
        Result result = run(Map.of(), "--config", "adapter/adapter.yaml", "--authentication", "delegated",
                "--kubeconfig", kubeconfig.toString(), "--secure-port", "0", "--management-port", "0");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(result.exit()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("delegated authentication: cannot read ConfigMap "
                + "kube-system/extension-apiserver-authentication from https://127.0.0.1:" + closed);
    }

    @Test
    void aPortInUseFailsAtOnceNamingThePort() throws Exception {
        Path config = file("rq-busy.yaml", rqConfig(Brokers.redisUri(E2e.REDIS_DB)));
        try (ServerSocket busy = new ServerSocket(0)) {
            long started = System.nanoTime();
            Result result = run(Map.of(), "--config", config.toString(), "--secure-port",
                    Integer.toString(busy.getLocalPort()), "--management-port", "0");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(result.exit()).as(result.toString()).isEqualTo(1);
            assertThat(result.err()).contains("secure port " + busy.getLocalPort() + ": Address already in use")
                    .doesNotContain("Thread blocked");
        }
    }

    private static String rqConfig(URI redisUri) {
        return """
                pollInterval: 500ms
                maxStaleness: 3s
                sources:
                  - name: rq
                    type: rq
                    uri: %s
                    queues: [%s]
                """.formatted(redisUri, RQ_QUEUE);
    }

    @Test
    void runsServesAMetricAndStopsCleanlyOnSigterm() throws Exception {
        URI redisUri = Brokers.redisUri(E2e.REDIS_DB);
        try (Jedis redis = E2e.redis(redisUri)) {
            redis.del("rq:queue:" + RQ_QUEUE);
            List<String> jobs = RqWorker.enqueue(redisUri.toString(), RQ_QUEUE, 3, 1);
            try {
                runAndStop(redisUri, redis);
            } finally {
                redis.del("rq:queue:" + RQ_QUEUE, "rq:queues");
                jobs.forEach(id -> redis.del("rq:job:" + id));
            }
        }
    }

    private void runAndStop(URI redisUri, Jedis redis) throws Exception {
        Path config = file("rq.yaml", rqConfig(redisUri));
        int securePort = freePort();
        int managementPort = freePort();
        Path log = dir.resolve("run.log");
        // ShutdownHook at debug: the log then shows the order in which things stop.
        Process process = adapter(Map.of(), List.of("-Dorg.slf4j.simpleLogger.log.io.github.queuemetrics.adapter"
                        + ".ShutdownHook=debug"), "--config", config.toString(), "--secure-port",
                Integer.toString(securePort), "--management-port", Integer.toString(managementPort))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await("readyz 200").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!process.isAlive()) {
                    fail("the adapter exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                try (Socket probe = new Socket("localhost", managementPort)) {
                    return MetricsApi.management(managementPort, "/readyz").status() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
            MetricsApi api = new MetricsApi(securePort, HttpClient.Version.HTTP_2);
            List<Wire.Item> items = api.itemsNewerThan("default", "queue_ready", "source=rq,queue=" + RQ_QUEUE,
                    Instant.now());
            assertThat(items).singleElement().satisfies(item ->
                    assertThat(item.value().longValueExact()).isEqualTo(redis.llen("rq:queue:" + RQ_QUEUE)).isEqualTo(3));

            long signalled = System.nanoTime();
            process.destroy(); // SIGTERM
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s of SIGTERM").isTrue();
            System.out.println("adapter stopped " + Duration.ofNanos(System.nanoTime() - signalled).toMillis()
                    + " ms after SIGTERM");
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("the JVM's status after SIGTERM (128 + 15)\n" + output).isEqualTo(143);
        assertThat(output).doesNotContain("Exception", "ERROR", "did not finish");
        // LIFO, the reverse of the start: the poller stops before its broker connection closes, the
        // servers after them (in-flight requests are still answered from the store), Vert.x last.
        List<String> steps = output.lines().filter(l -> l.contains("shutdown: "))
                .map(l -> l.substring(l.indexOf("shutdown: ") + "shutdown: ".length())).toList();
        assertThat(steps).as(output).containsExactly("pollers", "source rq", "secure server", "management server",
                "broker pool", "metrics", "vertx");
        for (int port : new int[] {securePort, managementPort}) {
            assertThatPortIsClosed(port);
        }
    }

    private static void assertThatPortIsClosed(int port) {
        try (Socket s = new Socket("localhost", port)) {
            fail("port " + port + " still accepts connections after the adapter exited");
        } catch (IOException expected) {
            // refused: closed
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
