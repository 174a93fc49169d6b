package io.github.queuemetrics.adapter.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * adapter/probe/qma_probe.py, the command worker pods run as their readiness probe: it asks the
 * pod form of the probe with the pod's namespace and name and turns the answer into an exit code.
 */
class ProbeCommandIT {

    private static final Path PROBE_DIR = Path.of(System.getProperty("user.dir"), "adapter", "probe");
    private static final List<String> PATHS = new CopyOnWriteArrayList<>();
    private static Vertx vertx;
    private static HttpServer server;

    @BeforeAll
    static void fakeAdapter() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> {
            PATHS.add(req.path());
            boolean ready = req.path().endsWith("/ready-pod");
            req.response().setStatusCode(ready ? 200 : 503).end(ready ? "worker celery@ready-pod alive"
                    : "worker celery@x is silent: last heartbeat 9s ago");
        }).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Test
    void readyPodExitsZeroAndAsksThePodFormWithNamespaceAndName() {
        List<String> out = PythonProcess.run(PROBE_DIR, Map.of("POD_NAMESPACE", "workers"), Duration.ofSeconds(20),
                "qma_probe.py", "--url", url(), "--pod", "ready-pod");
        assertThat(out).containsExactly("worker celery@ready-pod alive");
        assertThat(PATHS).contains("/probe/pod/workers/ready-pod");
    }

    @Test
    void notReadyPodExitsNonZeroWithTheAdaptersReason() {
        assertThatThrownBy(() -> PythonProcess.run(PROBE_DIR, Map.of("POD_NAME", "silent-pod"), Duration.ofSeconds(20),
                "qma_probe.py", "--url", url(), "--namespace", "ns1"))
                .hasMessageContaining("exit 1")
                .hasMessageContaining("not ready (503): worker celery@x is silent");
        assertThat(PATHS).contains("/probe/pod/ns1/silent-pod");
    }

    @Test
    void unreachableAdapterExitsNonZero() {
        assertThatThrownBy(() -> PythonProcess.run(PROBE_DIR, Map.of(), Duration.ofSeconds(20),
                "qma_probe.py", "--url", "http://127.0.0.1:1", "--pod", "p", "--namespace", "n"))
                .hasMessageContaining("exit 1")
                .hasMessageContaining("adapter unreachable");
    }
}
