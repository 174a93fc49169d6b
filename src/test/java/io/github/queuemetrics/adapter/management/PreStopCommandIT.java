package io.github.queuemetrics.adapter.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
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
 * {@code qma_probe.py pre-stop}, the worker pods' preStop command: POSTs to the adapter's secure
 * port with the pod's namespace and name from the downward API, prints the adapter's streamed
 * lines, and exits 0 whatever happens (adapter down, refusing, too slow, a certificate it cannot
 * verify) so it never holds a pod's termination. A fake adapter over HTTPS, certificate from a test CA.
 */
class PreStopCommandIT {

    private static final Path PROBE_DIR = Path.of(System.getProperty("user.dir"), "adapter", "probe");
    private static final List<String> REQUESTS = new CopyOnWriteArrayList<>();
    private static Vertx vertx;
    private static HttpServer server;
    private static Path caFile;

    @BeforeAll
    static void fakeAdapter() throws Exception {
        Path dir = Files.createTempDirectory("qma-prestop-");
        TestCertificates.Authority ca = TestCertificates.authority("qma-test-ca");
        caFile = ca.writePem(dir, "ca.crt");
        ca.issue("localhost", "127.0.0.1").writePem(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertPath(dir.resolve("tls.crt").toString()).setKeyPath(dir.resolve("tls.key").toString())))
                .requestHandler(req -> {
                    REQUESTS.add(req.method() + " " + req.uri());
                    var response = req.response().putHeader("Content-Type", "text/plain").setChunked(true);
                    if (req.path().endsWith("/slow-pod")) {
                        response.write("draining pod workers/slow-pod\n"); // then nothing: the command gives up
                        return;
                    }
                    if (req.path().endsWith("/other-pod")) {
                        response.setStatusCode(403).end("only the pod's own token may drain it\n");
                        return;
                    }
                    response.write("draining pod workers/busy-pod of StatefulSet workers/wk\n");
                    vertx.setTimer(500, id -> response.write("waiting: worker celery@busy-pod runs tasks.sleep[t1]\n"));
                    vertx.setTimer(1000, id -> response.end("idle: worker celery@busy-pod of pod busy-pod is idle\n"));
                }).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static String url() {
        return "https://localhost:" + server.actualPort();
    }

    private static List<String> preStop(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "qma_probe.py";
        all[1] = "pre-stop";
        System.arraycopy(args, 0, all, 2, args.length);
        // PythonProcess.run throws on a non-zero exit: every call here asserts exit 0.
        return PythonProcess.run(PROBE_DIR, env, Duration.ofSeconds(30), all);
    }

    @Test
    void postsThePodFromTheDownwardApiAndPrintsTheAdaptersLinesUntilIdle() {
        List<String> out = preStop(Map.of("POD_NAMESPACE", "workers", "POD_NAME", "busy-pod"),
                "--url", url(), "--cacert", caFile.toString(), "--timeout", "20");
        assertThat(out).containsExactly("draining pod workers/busy-pod of StatefulSet workers/wk",
                "waiting: worker celery@busy-pod runs tasks.sleep[t1]",
                "idle: worker celery@busy-pod of pod busy-pod is idle");
        // The adapter is told to stop a second before the command does.
        assertThat(REQUESTS).contains("POST /hooks/pre-stop/workers/busy-pod?timeoutSeconds=19");
    }

    @Test
    void insecureAcceptsTheSelfSignedCertificateAndWithoutItTheUnverifiedCertificateIsNotWaitedFor() {
        assertThat(preStop(Map.of("POD_NAMESPACE", "workers", "POD_NAME", "busy-pod"), "--url", url(), "--insecure"))
                .last().asString().startsWith("idle:");
        assertThat(preStop(Map.of("POD_NAMESPACE", "workers", "POD_NAME", "busy-pod"), "--url", url()))
                .singleElement().asString().startsWith("pre-stop: adapter unreachable at").contains("CERTIFICATE_VERIFY_FAILED");
    }

    @Test
    void theAdapterDownExitsZeroAtOnce() {
        long start = System.nanoTime();
        assertThat(preStop(Map.of(), "--url", "https://127.0.0.1:1", "--pod", "p", "--namespace", "n"))
                .singleElement().asString().startsWith("pre-stop: adapter unreachable at https://127.0.0.1:1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aSlowAdapterIsGivenUpAtTheTimeoutWithExitZero() {
        long start = System.nanoTime();
        List<String> out = preStop(Map.of("POD_NAMESPACE", "workers"), "--url", url(), "--insecure", "--pod", "slow-pod",
                "--timeout", "2");
        assertThat(out).containsExactly("draining pod workers/slow-pod",
                "pre-stop: stopped waiting after 2.0 s (--timeout); the pod stops now");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aRefusalOrBadArgumentsExitZeroToo() {
        assertThat(preStop(Map.of("POD_NAMESPACE", "workers"), "--url", url(), "--insecure", "--pod", "other-pod"))
                .containsExactly("pre-stop: the adapter refused (403): only the pod's own token may drain it");
        assertThat(preStop(Map.of(), "--cacert", "/nonexistent/ca.crt", "--pod", "p")).singleElement().asString()
                .startsWith("pre-stop: failed, not waiting: FileNotFoundError");
        assertThat(preStop(Map.of(), "--no-such-option")).contains("pre-stop: bad arguments (exit 2), not waiting");
    }
}
