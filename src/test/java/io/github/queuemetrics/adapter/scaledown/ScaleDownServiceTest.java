package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing and fail-open: every failure, and a decision that takes too long, answer allowed and are counted. */
class ScaleDownServiceTest {

    static final String UID = "2f0c4a57-9d1e-4c8a-b1d5-0e6b3d1f7a90";
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45), List.of(
            new ScaleDownConfig.Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}"),
            new ScaleDownConfig.Workload(WorkloadKind.DEPLOYMENT, "workers", "web", "rabbit", "celery@{pod}")));

    final Vertx vertx = Vertx.vertx();
    final WorkerExecutor pool = vertx.createSharedWorkerExecutor("test-pool", 2);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeCluster deployment = FakeCluster.deployment("web", 2, "web-a", "web-b");
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-0", "q").worker("celery@wk-1", "q")
            .worker("celery@wk-2", "q").runs("celery@wk-2", "tasks.sleep", "t-1")
            .worker("celery@web-a", "q").runs("celery@web-a", "tasks.sleep", "t-a").worker("celery@web-b", "q");

    @AfterEach
    void close() {
        vertx.close().await();
    }

    ScaleDownService service(Duration answerWithin) {
        ScaleDownMetrics metrics = new ScaleDownMetrics(registry);
        ScaleDownService service = new ScaleDownService(vertx, pool, CONFIG, metrics, answerWithin);
        DrainMarks marks = new DrainMarks(CONFIG.undoAfter());
        service.started(new ScaleDownService.Running(new StatefulSetReviewer(cluster, CONFIG.drainTimeout(),
                marks, Runnable::run, metrics, Clock.systemUTC(), TestChecks.eachReview(Runnable::run, Clock.systemUTC())),
                new DeploymentReviewer(deployment, CONFIG.drainTimeout(), marks, Runnable::run, metrics, Clock.systemUTC(),
                        TestChecks.eachReview(Runnable::run, Clock.systemUTC())), Map.of("rabbit", workers)));
        return service;
    }

    AdmissionResponse review(ScaleDownService service, String resource, String name, int from, int to) throws Exception {
        return service.review(AdmissionHandler.parse(ScaleReviews.review(UID, resource, "workers", name, from, to,
                false)).getRequest()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    double count(String outcome) {
        var counter = registry.find("adapter.scaledown.reviews").tag("decision", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aDecisionIsAnsweredWithTheRequestUid() throws Exception {
        AdmissionResponse r = review(service(Duration.ofSeconds(5)), "statefulsets", "wk", 3, 2);
        assertThat(r.getUid()).isEqualTo(UID);
        assertThat(r.getAllowed()).isFalse();
        assertThat(r.getStatus().getMessage()).contains("wk-2 (celery@wk-2) runs tasks.sleep[t-1]");
        assertThat(count(Decision.DENIED)).isEqualTo(1);
    }

    @Test
    void theKubernetesApiFailingAllows() throws Exception {
        cluster.failWith = new KubernetesClientException("Internal error (500)");
        AdmissionResponse r = review(service(Duration.ofSeconds(5)), "statefulsets", "wk", 3, 2);
        assertThat(r.getUid()).isEqualTo(UID);
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).isEqualTo("StatefulSet workers/wk: allowed because the scale-down hook "
                + "failed: Internal error (500)");
        assertThat(r.getWarnings()).containsExactly(r.getStatus().getMessage());
        assertThat(count(Decision.FAILED_OPEN)).isEqualTo(1);
    }

    @Test
    void aDecisionTooSlowAllowsInTime() throws Exception {
        cluster.delayMillis = 3_000; // a hanging API server
        long start = System.nanoTime();
        AdmissionResponse r = review(service(Duration.ofMillis(200)), "statefulsets", "wk", 3, 2);
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).endsWith("failed: no decision within 200 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(count(Decision.FAILED_OPEN)).isEqualTo(1);
    }

    @Test
    void aBrokenRequestAllows() throws Exception {
        String json = ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false)
                .replace("\"spec\": {\"replicas\": 2}", "\"spec\": {}");
        AdmissionResponse r = service(Duration.ofSeconds(5)).review(AdmissionHandler.parse(json).getRequest())
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).isEqualTo("a scale review: allowed because the scale-down hook failed: "
                + "the request's object has no spec.replicas");
    }

    @Test
    void workloadsNotListedAreAllowedAtOnce() throws Exception {
        cluster.failWith = new IllegalStateException("must not be called");
        AdmissionResponse r = review(service(Duration.ofSeconds(5)), "statefulsets", "other", 3, 2);
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).isEqualTo("StatefulSet workers/other: not in scaleDown.workloads");
    }

    @Test
    void aDeploymentIsReviewedByItsReviewer() throws Exception {
        AdmissionResponse r = review(service(Duration.ofSeconds(5)), "deployments", "web", 2, 1);
        // web-b is idle, so it is the one to go: drained and allowed at once
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).isEqualTo("Deployment workers/web 2 -> 1: allowed, web-b holds no "
                + "tasks");
    }

    @Test
    void beforeTheHookHasStartedReviewsFailOpen() throws Exception {
        ScaleDownService notStarted = new ScaleDownService(vertx, pool, CONFIG, new ScaleDownMetrics(registry),
                Duration.ofSeconds(1));
        AdmissionResponse r = review(notStarted, "statefulsets", "wk", 3, 2);
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).contains("still starting");
        assertThat(count(Decision.FAILED_OPEN)).isEqualTo(1);
    }
}
