package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP side of the pre-stop hook: names checked, the access seam, the streamed lines, fail open. */
class PreStopHandlerTest {

    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45),
            List.of(WK));

    final Vertx vertx = Vertx.vertx();
    final FakeCluster cluster = new FakeCluster("wk", 2, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-1", "q");
    final HttpClient http = HttpClient.newHttpClient();
    PreStopAuthorizer authorizer = PreStopAuthorizer.ANYONE;

    @AfterEach
    void close() {
        vertx.close();
    }

    private int serve() throws Exception {
        PreStopService service = new PreStopService(vertx, vertx.createSharedWorkerExecutor("pre-stop-http", 2),
                new SimpleMeterRegistry(), Duration.ofMillis(20));
        service.started(new PodDrain((ns, name) -> Optional.ofNullable(cluster.pods.get(name))
                .map(s -> new PodFacts(s, Map.of(), List.of(new Owner("StatefulSet", "wk")))), cluster, CONFIG,
                Map.of("rabbit", workers), new DrainMarks(CONFIG.undoAfter()),
                new ScaleDownMetrics(new SimpleMeterRegistry()), Clock.systemUTC()));
        Router router = Router.router(vertx);
        router.post(PreStopHandler.PATH).handler(new PreStopHandler(service, (ctx, ns, pod) -> authorizer.refusal(ctx,
                ns, pod)));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    private HttpResponse<String> post(int port, String path) throws Exception {
        // The whole exchange within 20 s (HttpRequest.timeout only covers the response head).
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                .get(20, TimeUnit.SECONDS);
    }

    @Test
    void streamsTheWaitAndEndsWithTheOutcome() throws Exception {
        int port = serve();
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        // Finishes 300 ms after the drain began (not after a fixed time: the first request is slow).
        vertx.setPeriodic(10, id -> {
            if (workers.commands.contains("cancel_consumer celery@wk-1 [q]")) {
                vertx.cancelTimer(id);
                vertx.setTimer(300, t -> workers.finishes("celery@wk-1"));
            }
        });
        HttpResponse<String> answer = post(port, "/hooks/pre-stop/workers/wk-1?timeoutSeconds=30");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type")).contains("text/plain; charset=utf-8");
        List<String> lines = answer.body().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("draining pod workers/wk-1 of StatefulSet workers/wk: worker celery@wk-1 "
                + "takes no new tasks; waiting until ");
        assertThat(lines.get(1)).isEqualTo("waiting: worker celery@wk-1 runs tasks.sleep[t1]");
        assertThat(lines.get(2)).startsWith("idle: worker celery@wk-1 of pod wk-1 is idle after");
    }

    @Test
    void nothingToWaitForIsOneLineAtOnce() throws Exception {
        int port = serve();
        HttpResponse<String> answer = post(port, "/hooks/pre-stop/workers/nope-0");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("no_pod: pod workers/nope-0 does not exist: nothing to wait for\n");
    }

    @Test
    void badNamesAndLimitsAre400() throws Exception {
        int port = serve();
        assertThat(post(port, "/hooks/pre-stop/Workers_1/wk-1").statusCode()).isEqualTo(400);
        assertThat(post(port, "/hooks/pre-stop/workers/WK-1").body()).isEqualTo("not a pod name: WK-1\n");
        HttpResponse<String> limit = post(port, "/hooks/pre-stop/workers/wk-1?timeoutSeconds=-3");
        assertThat(limit.statusCode()).isEqualTo(400);
        assertThat(limit.body()).contains("timeoutSeconds must be a positive whole number of seconds, not -3");
        assertThat(workers.commands).isEmpty();
    }

    @Test
    void theAccessSeamCanRefuseAndItsFailureFailsOpen() throws Exception {
        int port = serve();
        authorizer = (ctx, ns, pod) -> Future.succeededFuture(Optional.of("only the pod's own token may drain " + pod));
        HttpResponse<String> refused = post(port, "/hooks/pre-stop/workers/wk-1");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("only the pod's own token may drain wk-1\n");

        authorizer = (ctx, ns, pod) -> Future.failedFuture(new IllegalStateException("TokenReview unreachable"));
        HttpResponse<String> failed = post(port, "/hooks/pre-stop/workers/wk-1");
        assertThat(failed.statusCode()).isEqualTo(200);
        assertThat(failed.body()).startsWith("failed_open: the access check failed, not waiting: TokenReview unreachable");
        assertThat(workers.commands).isEmpty();
    }
}
