package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real fabric8 client (built by KubernetesClients from a kubeconfig, with its timeouts) against
 * an API server that answers 500 or hangs: the review allows, within the webhook's timeout.
 */
class KubernetesApiFailureTest {

    static final String STS_PATH = "/apis/apps/v1/namespaces/workers/statefulsets/wk";
    static final ScaleDownConfig CONFIG = new ScaleDownConfig(Duration.ofMinutes(10), Duration.ofSeconds(45), List.of(
            new ScaleDownConfig.Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}")));

    final KubernetesMockServer server = new KubernetesMockServer(false);
    final Vertx vertx = Vertx.vertx();
    final WorkerExecutor pool = vertx.createSharedWorkerExecutor("test-pool", 2);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KubernetesClient client;
    ScaleDownService service;

    @BeforeEach
    void start() throws Exception {
        server.init();
        Path kubeconfig = Kubeconfigs.write(server.url("/"), null);
        client = KubernetesClients.create(Optional.of(kubeconfig));
        ScaleDownMetrics metrics = new ScaleDownMetrics(registry);
        service = new ScaleDownService(vertx, pool, CONFIG, metrics, ScaleDownService.ANSWER_WITHIN);
        FakeWorkers workers = new FakeWorkers().worker("celery@wk-2", "q").runs("celery@wk-2", "tasks.sleep", "t");
        KubernetesWorkloadCluster cluster = new KubernetesWorkloadCluster(client);
        DrainMarks marks = new DrainMarks(CONFIG.undoAfter());
        service.started(new ScaleDownService.Running(new StatefulSetReviewer(cluster, CONFIG.drainTimeout(), marks,
                Runnable::run, metrics, Clock.systemUTC(), TestChecks.eachReview(Runnable::run, Clock.systemUTC())),
                new DeploymentReviewer(cluster, CONFIG.drainTimeout(), marks, Runnable::run, metrics, Clock.systemUTC(),
                        TestChecks.eachReview(Runnable::run, Clock.systemUTC())), Map.of("rabbit", workers)));
    }

    @AfterEach
    void stop() {
        client.close();
        vertx.close().await();
        server.destroy();
    }

    AdmissionResponse review() throws Exception {
        return service.review(AdmissionHandler.parse(ScaleReviews.review("uid-1", "statefulsets", "workers", "wk", 3, 2,
                false)).getRequest()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void anApiServerAnswering500Allows() throws Exception {
        server.expect().get().withPath(STS_PATH).andReturn(500, "{\"kind\":\"Status\",\"code\":500}").always();
        AdmissionResponse r = review(); // within the webhook's timeoutSeconds (5), or get() throws
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getUid()).isEqualTo("uid-1");
        assertThat(r.getStatus().getMessage()).startsWith("StatefulSet workers/wk: allowed because the scale-down hook "
                + "failed:");
        assertThat(registry.find("adapter.scaledown.reviews").tag("decision", Decision.FAILED_OPEN).counter().count())
                .isEqualTo(1);
    }

    @Test
    void aHangingApiServerAllows() throws Exception {
        server.expect().get().delay(10, TimeUnit.SECONDS).withPath(STS_PATH)
                .andReturn(200, new StatefulSetBuilder().withNewMetadata().withName("wk").endMetadata().build())
                .always();
        AdmissionResponse r = review();
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.getStatus().getMessage()).endsWith("failed: no decision within 900 ms");
    }
}
