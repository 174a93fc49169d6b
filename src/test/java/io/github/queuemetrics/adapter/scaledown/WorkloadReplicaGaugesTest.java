package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerListBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** workload_replicas / workload_desired_replicas against fabric8's mock API server. */
@EnableKubernetesMockClient(crud = true)
class WorkloadReplicaGaugesTest {

    static KubernetesClient client;

    static final Workload STS = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final Workload WEB = new Workload(WorkloadKind.DEPLOYMENT, "workers", "web", "redis", "celery@{pod}");

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static StatefulSet statefulSet(int spec, int status) {
        return new StatefulSetBuilder().withNewMetadata().withName("wk").withNamespace("workers").endMetadata()
                .withNewSpec().withReplicas(spec).withNewSelector().addToMatchLabels("app", "wk").endSelector()
                .endSpec().withNewStatus().withReplicas(status).endStatus().build();
    }

    static Deployment deployment(int spec, int status) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("workers").endMetadata()
                .withNewSpec().withReplicas(spec).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .endSpec().withNewStatus().withReplicas(status).endStatus().build();
    }

    /** An HPA on {@code kind/name} with an External metric selecting {@code queue}, or a CPU metric only when null. */
    static HorizontalPodAutoscaler hpa(String hpaName, String kind, String name, String queue) {
        var spec = new HorizontalPodAutoscalerBuilder().withNewMetadata().withName(hpaName).withNamespace("workers")
                .endMetadata().withNewSpec().withMinReplicas(1).withMaxReplicas(10)
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind(kind).withName(name).endScaleTargetRef();
        if (queue == null) {
            spec = spec.addNewMetric().withType("Resource").withNewResource().withName("cpu").withNewTarget()
                    .withType("Utilization").withAverageUtilization(80).endTarget().endResource().endMetric();
        } else {
            spec = spec.addNewMetric().withType("Resource").withNewResource().withName("cpu").withNewTarget()
                    .withType("Utilization").withAverageUtilization(80).endTarget().endResource().endMetric()
                    .addNewMetric().withType("External").withNewExternal().withNewMetric()
                    .withName("queue_outstanding").withNewSelector().addToMatchLabels("source", "rabbit")
                    .addToMatchLabels("queue", queue).endSelector().endMetric().withNewTarget().withType("AverageValue")
                    .withNewAverageValue("10").endTarget().endExternal().endMetric();
        }
        return spec.endSpec().build();
    }

    @Test
    void everyGuardedWorkloadsReplicasLabelledWithTheQueueItsHpaScalesOn() {
        client.apps().statefulSets().resource(statefulSet(2, 3)).create();
        client.apps().deployments().resource(deployment(5, 4)).create();
        client.autoscaling().v2().horizontalPodAutoscalers().resource(hpa("wk", "StatefulSet", "wk", "short")).create();
        client.autoscaling().v2().horizontalPodAutoscalers().resource(hpa("web", "Deployment", "web", null)).create();
        // an HPA on another workload of the same name and kind Deployment does not label the StatefulSet
        client.autoscaling().v2().horizontalPodAutoscalers().resource(hpa("other", "Deployment", "wk", "other"))
                .create();
        WorkloadReplicaGauges gauges = new WorkloadReplicaGauges(registry, new WorkloadReplicaReader(client),
                List.of(STS, WEB));

        gauges.refresh();

        assertThat(registry.scrape()).contains(
                "workload_replicas{namespace=\"workers\",queue=\"short\",source=\"rabbit\",workload=\"wk\"} 3",
                "workload_desired_replicas{namespace=\"workers\",queue=\"short\",source=\"rabbit\",workload=\"wk\"} 2",
                "workload_replicas{namespace=\"workers\",queue=\"\",source=\"redis\",workload=\"web\"} 4",
                "workload_desired_replicas{namespace=\"workers\",queue=\"\",source=\"redis\",workload=\"web\"} 5");

        // the HPA scales the StatefulSet up and now selects another queue; the Deployment is deleted
        client.apps().statefulSets().resource(statefulSet(6, 4)).update();
        client.autoscaling().v2().horizontalPodAutoscalers().resource(hpa("wk", "StatefulSet", "wk", "long")).update();
        client.apps().deployments().inNamespace("workers").withName("web").delete();
        gauges.refresh();

        String scrape = registry.scrape();
        assertThat(scrape).contains(
                "workload_replicas{namespace=\"workers\",queue=\"long\",source=\"rabbit\",workload=\"wk\"} 4",
                "workload_desired_replicas{namespace=\"workers\",queue=\"long\",source=\"rabbit\",workload=\"wk\"} 6");
        assertThat(scrape).doesNotContain("queue=\"short\"").doesNotContain("workload=\"web\"");
    }

    @Test
    void anApiServerAnswering500LeavesTheLastValuesAndDoesNotThrow() {
        KubernetesMockServer server = new KubernetesMockServer(false);
        server.init();
        // no retries, as KubernetesClients configures the adapter's client
        try (KubernetesClient failing = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(server.url("/"))
                        .withRequestRetryBackoffLimit(0).build()).build()) {
            server.expect().get().withPath("/apis/apps/v1/namespaces/workers/statefulsets/wk")
                    .andReturn(200, statefulSet(2, 3)).once();
            server.expect().get().withPath("/apis/autoscaling/v2/namespaces/workers/horizontalpodautoscalers")
                    .andReturn(200, new HorizontalPodAutoscalerListBuilder()
                            .addToItems(hpa("wk", "StatefulSet", "wk", "short")).build()).once();
            server.expect().get().withPath("/apis/apps/v1/namespaces/workers/statefulsets/wk")
                    .andReturn(500, "{\"kind\":\"Status\",\"code\":500}").always();
            server.expect().get().withPath("/apis/autoscaling/v2/namespaces/workers/horizontalpodautoscalers")
                    .andReturn(500, "{\"kind\":\"Status\",\"code\":500}").always();
            WorkloadReplicaGauges gauges = new WorkloadReplicaGauges(registry, new WorkloadReplicaReader(failing),
                    List.of(STS));
            gauges.refresh();
            gauges.refresh(); // 500s: logged, the values stay
            assertThat(registry.scrape()).contains(
                    "workload_replicas{namespace=\"workers\",queue=\"short\",source=\"rabbit\",workload=\"wk\"} 3",
                    "workload_desired_replicas{namespace=\"workers\",queue=\"short\",source=\"rabbit\",workload=\"wk\"} 2");
        } finally {
            server.destroy();
        }
    }
}
