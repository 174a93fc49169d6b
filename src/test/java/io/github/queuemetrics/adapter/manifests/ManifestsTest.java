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
import io.fabric8.kubernetes.client.utils.Serialization;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Loads every manifest into fabric8's typed model (no cluster here) and checks what a cluster would
 * reject or what would silently break the adapter.
 */
class ManifestsTest {

    private static final Path MANIFESTS = Path.of(System.getProperty("user.dir"), "manifests");

    static List<HasMetadata> loadAll() throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    Object parsed = Serialization.unmarshal(in);
                    if (parsed instanceof List<?> list) {
                        list.forEach(o -> all.add((HasMetadata) o));
                    } else {
                        all.add((HasMetadata) parsed);
                    }
                }
            }
        }
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

    @Test
    void apiServiceIsValidAndPointsAtTheServicePortName() throws IOException {
        List<HasMetadata> all = loadAll();
        var apiService = all.stream().filter(o -> o.getKind().equals("APIService")).findFirst().orElseThrow();
        Map<String, Object> spec = Serialization.unmarshal(Serialization.asJson(apiService), Map.class);
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
        List<io.fabric8.kubernetes.api.model.PodTemplateSpec> templates = new ArrayList<>();
        ofType(all, StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        ofType(all, Deployment.class).stream()
                .filter(d -> !d.getMetadata().getName().equals("queue-metrics-adapter"))
                .forEach(d -> templates.add(d.getSpec().getTemplate()));
        assertThat(templates).hasSizeGreaterThanOrEqualTo(2);
        assertThat(templates).allSatisfy(t -> {
            var container = t.getSpec().getContainers().get(0);
            assertThat(String.join(" ", container.getReadinessProbe().getExec().getCommand()))
                    .contains("/opt/qma/qma_probe.py");
            assertThat(t.getSpec().getVolumes()).anySatisfy(v ->
                    assertThat(v.getConfigMap().getName()).isEqualTo("qma-probe"));
        });
    }
}
