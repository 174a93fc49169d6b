package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Loads every manifest (as the kustomizations render them) into fabric8's typed model (no cluster
 * here) and checks what a cluster would reject or what would silently break the adapter.
 */
class ManifestsTest {

    /**
     * What {@code kubectl apply -k manifests/} and {@code kubectl apply -k manifests/examples} create
     * (rendered by {@link Kustomize}), in fabric8's typed model.
     */
    static List<HasMetadata> loadAll() {
        List<HasMetadata> all = new ArrayList<>(Kustomize.render("."));
        all.addAll(Kustomize.render("examples"));
        return all;
    }

    @SuppressWarnings("unchecked")
    private static <T extends KubernetesResource> List<T> ofType(List<HasMetadata> all, Class<T> type) {
        return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
    }

    @Test
    void everyManifestLoadsIntoATypedObject() throws IOException {
        List<HasMetadata> all = loadAll();
        assertThat(all).isNotEmpty();
        assertThat(all).allSatisfy(o -> {
            assertThat(o.getClass().getPackageName()).as(o.getKind() + " " + o.getMetadata().getName())
                    .doesNotContain("GenericKubernetesResource");
            assertThat(o.getMetadata().getName()).isNotBlank();
        });
        assertThat(all).noneMatch(o -> o instanceof CustomResourceDefinition);
    }

    @SuppressWarnings("unchecked") // the spec parsed as a map
    @Test
    void apiServiceIsValidAndPointsAtTheServicePortName() throws IOException {
        List<HasMetadata> all = loadAll();
        var apiService = all.stream().filter(o -> o.getKind().equals("APIService")).findFirst().orElseThrow();
        Map<String, Object> spec = Kustomize.SERIALIZATION.unmarshal(Kustomize.SERIALIZATION.asJson(apiService), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) spec.get("spec");
        // kube-aggregator's ValidateAPIService: the name is version.group, priorities in range.
        assertThat(apiService.getMetadata().getName()).isEqualTo(s.get("version") + "." + s.get("group"));
        assertThat(s.get("group")).isEqualTo("external.metrics.k8s.io");
        assertThat((Integer) s.get("groupPriorityMinimum")).isBetween(1, 20000);
        assertThat((Integer) s.get("versionPriority")).isBetween(1, 1000);
        assertThat(s.containsKey("caBundle") && Boolean.TRUE.equals(s.get("insecureSkipTLSVerify"))).isFalse();
        @SuppressWarnings("unchecked")
        Map<String, Object> ref = (Map<String, Object>) s.get("service");
        Service service = ofType(all, Service.class).stream()
                .filter(svc -> svc.getMetadata().getName().equals(ref.get("name"))
                        && svc.getMetadata().getNamespace().equals(ref.get("namespace")))
                .findFirst().orElseThrow();
        var port = service.getSpec().getPorts().stream().filter(p -> p.getPort().equals(ref.get("port")))
                .findFirst().orElseThrow();
        // The availability controller wants a ready endpoint whose port name equals the Service's.
        assertThat(port.getName()).isEqualTo("https");
        Deployment deployment = ofType(all, Deployment.class).get(0);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
                .anySatisfy(p -> assertThat(p.getName()).isEqualTo(port.getTargetPort().getStrVal()));
        assertThat(service.getSpec().getSelector())
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void delegatedAuthBindingsNameTheAdaptersServiceAccount() throws IOException {
        List<HasMetadata> all = loadAll();
        Deployment deployment = ofType(all, Deployment.class).get(0);
        String sa = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        String ns = deployment.getMetadata().getNamespace();
        assertThat(ofType(all, ClusterRoleBinding.class)).anySatisfy(b -> {
            assertThat(b.getRoleRef().getName()).isEqualTo("system:auth-delegator");
            assertThat(b.getSubjects()).anySatisfy(sub -> {
                assertThat(sub.getName()).isEqualTo(sa);
                assertThat(sub.getNamespace()).isEqualTo(ns);
            });
        });
        assertThat(ofType(all, RoleBinding.class)).anySatisfy(b -> {
            assertThat(b.getMetadata().getNamespace()).isEqualTo("kube-system");
            assertThat(b.getRoleRef().getName()).isEqualTo("extension-apiserver-authentication-reader");
        });
        // The bindings are there for delegated authentication: the Deployment must use it.
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .contains("--authentication=delegated").doesNotContain("--authentication=none");
    }

    @Test
    void exampleHpasUseExternalMetricsTheAdapterServes() throws IOException {
        List<HorizontalPodAutoscaler> hpas = ofType(loadAll(), HorizontalPodAutoscaler.class);
        assertThat(hpas).isNotEmpty();
        assertThat(hpas).allSatisfy(hpa -> assertThat(hpa.getSpec().getMetrics()).allSatisfy(m -> {
            assertThat(m.getType()).isEqualTo("External");
            assertThat(io.github.queuemetrics.adapter.model.QueueMetric.byName(m.getExternal().getMetric().getName()))
                    .isPresent();
        }));
    }

    @Test
    void theConfigMapCarriesAValidConfiguration() throws Exception {
        ConfigMap configMap = ofType(loadAll(), ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("queue-metrics-adapter")).findFirst().orElseThrow();
        var config = ConfigLoader.parse(configMap.getData().get("adapter.yaml"), Map.of("RABBITMQ_PASSWORD", "x"));
        assertThat(config.sources()).isNotEmpty();
    }

    @Test
    void workerExamplesRunTheShippedProbeCommand() throws IOException {
        List<HasMetadata> all = loadAll();
        ConfigMap probe = ofType(all, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("qma-probe")).findFirst().orElseThrow();
        // The manifest carries the same script as adapter/probe/qma_probe.py, byte for byte.
        assertThat(probe.getData().get("qma_probe.py")).isEqualTo(Files.readString(
                Path.of(System.getProperty("user.dir"), "adapter", "probe", "qma_probe.py")));
        List<io.fabric8.kubernetes.api.model.PodTemplateSpec> templates = workerTemplates(all);
        assertThat(templates).hasSizeGreaterThanOrEqualTo(2);
        assertThat(templates).allSatisfy(t -> {
            var container = t.getSpec().getContainers().get(0);
            assertThat(String.join(" ", container.getReadinessProbe().getExec().getCommand()))
                    .contains("/opt/qma/qma_probe.py");
            assertThat(t.getSpec().getVolumes()).anySatisfy(v ->
                    assertThat(v.getConfigMap().getName()).isEqualTo("qma-probe"));
        });
    }

    /** The worker pods' templates in examples/ (every StatefulSet and Deployment but the adapter's own). */
    private static List<io.fabric8.kubernetes.api.model.PodTemplateSpec> workerTemplates(List<HasMetadata> all) {
        List<io.fabric8.kubernetes.api.model.PodTemplateSpec> templates = new ArrayList<>();
        ofType(all, StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        ofType(all, Deployment.class).stream()
                .filter(d -> !d.getMetadata().getName().equals("queue-metrics-adapter"))
                .forEach(d -> templates.add(d.getSpec().getTemplate()));
        return templates;
    }

    @Test
    void workerExamplesDrainThroughThePreStopHookWithinTheirGracePeriod() throws IOException {
        List<io.fabric8.kubernetes.api.model.PodTemplateSpec> templates = workerTemplates(loadAll());
        // A Celery StatefulSet, a Celery Deployment and an RQ Deployment.
        assertThat(templates).hasSizeGreaterThanOrEqualTo(3);
        assertThat(templates).allSatisfy(t -> {
            var container = t.getSpec().getContainers().get(0);
            List<String> command = container.getLifecycle().getPreStop().getExec().getCommand();
            assertThat(command).containsSubsequence("/opt/qma/qma_probe.py", "pre-stop");
            assertThat(command).containsAnyOf("--cacert", "--insecure");
            // The command's own limit stays under the grace period (the kubelet counts the preStop in
            // it), with time left for the worker's warm shutdown after SIGTERM.
            long timeout = Long.parseLong(command.get(command.indexOf("--timeout") + 1));
            assertThat(t.getSpec().getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(timeout + 30);
            // Namespace and name from the downward API: the command names its own pod.
            Map<String, String> fieldRefs = new java.util.HashMap<>();
            container.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                    .forEach(e -> fieldRefs.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
            assertThat(fieldRefs).containsEntry("POD_NAME", "metadata.name")
                    .containsEntry("POD_NAMESPACE", "metadata.namespace");
            if (command.contains("--cacert")) {
                String ca = command.get(command.indexOf("--cacert") + 1);
                assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(ca).startsWith(m.getMountPath()));
            }
        });
    }

    @Test
    void everyWorkerExampleHasAnHpaOnQueueOutstanding() throws IOException {
        List<HasMetadata> all = loadAll();
        List<HorizontalPodAutoscaler> hpas = ofType(all, HorizontalPodAutoscaler.class);
        List<HasMetadata> workloads = new ArrayList<>(ofType(all, StatefulSet.class));
        ofType(all, Deployment.class).stream().filter(d -> !d.getMetadata().getName().equals("queue-metrics-adapter"))
                .forEach(workloads::add);
        assertThat(workloads).allSatisfy(w -> assertThat(hpas).anySatisfy(h -> {
            assertThat(h.getSpec().getScaleTargetRef().getKind()).isEqualTo(w.getKind());
            assertThat(h.getSpec().getScaleTargetRef().getName()).isEqualTo(w.getMetadata().getName());
            assertThat(h.getMetadata().getNamespace()).isEqualTo(w.getMetadata().getNamespace());
            assertThat(h.getSpec().getMetrics()).anySatisfy(m ->
                    assertThat(m.getExternal().getMetric().getName()).isEqualTo("queue_outstanding"));
        }));
    }

    @Test
    void theAdapterMayHoldItsSweepLeaseInItsOwnNamespace() throws IOException {
        List<HasMetadata> all = loadAll();
        Deployment adapter = ofType(all, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals("queue-metrics-adapter")).findFirst().orElseThrow();
        String ns = adapter.getMetadata().getNamespace();
        String sa = adapter.getSpec().getTemplate().getSpec().getServiceAccountName();
        var role = ofType(all, io.fabric8.kubernetes.api.model.rbac.Role.class).stream()
                .filter(r -> r.getRules().stream().anyMatch(rule -> rule.getResources().contains("leases")))
                .findFirst().orElseThrow();
        assertThat(role.getMetadata().getNamespace()).isEqualTo(ns);
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
            // fabric8's LeaseLock: GET, then POST to create or PATCH to renew.
            assertThat(rule.getVerbs()).contains("get", "create", "update", "patch");
        });
        assertThat(ofType(all, RoleBinding.class)).anySatisfy(b -> {
            assertThat(b.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
            assertThat(b.getMetadata().getNamespace()).isEqualTo(ns);
            assertThat(b.getSubjects()).anySatisfy(sub -> {
                assertThat(sub.getName()).isEqualTo(sa);
                assertThat(sub.getNamespace()).isEqualTo(ns);
            });
        });
        // The Lease is found in the namespace from the downward API.
        assertThat(adapter.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        });
    }
}
