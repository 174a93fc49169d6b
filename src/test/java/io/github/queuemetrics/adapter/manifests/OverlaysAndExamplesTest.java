package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.config.SourceConfig;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cert-manager overlay and the examples kustomization render and line up with the adapter's configuration. */
class OverlaysAndExamplesTest {

    /** ConfigMaps referred to by the examples and made by the user (README, "Install"), with the keys they must have. */
    static final Map<String, String> USER_MADE = Map.of("ConfigMap/workers/qma-ca", "ca.crt");

    @Test
    void theCertManagerOverlayIssuesTheServingSecretAndInjectsItsCa() {
        List<HasMetadata> all = Kustomize.render("overlays/cert-manager");
        // No certificate files, no generated serving Secret: cert-manager makes it.
        assertThat(all).noneMatch(o -> o instanceof Secret s && "kubernetes.io/tls".equals(s.getType()));
        Deployment adapter = all.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
                .orElseThrow();
        String secretName = adapter.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("serving-cert")).findFirst().orElseThrow().getSecret().getSecretName();
        String ns = adapter.getMetadata().getNamespace();
        GenericKubernetesResource certificate = all.stream().filter(GenericKubernetesResource.class::isInstance)
                .map(GenericKubernetesResource.class::cast)
                .filter(o -> o.getKind().equals("Certificate") && secretName.equals(o.get("spec", "secretName")))
                .findFirst().orElseThrow(() -> new AssertionError("no Certificate writes Secret " + secretName));
        assertThat(certificate.getMetadata().getNamespace()).isEqualTo(ns);
        List<String> dnsNames = certificate.get("spec", "dnsNames");
        assertThat(dnsNames).containsExactlyInAnyOrderElementsOf(CertScriptTest.serviceDnsNames("queue-metrics-adapter", ns));
        // Its issuer is in the overlay, and so is the CA issuer's own Certificate.
        String issuer = certificate.get("spec", "issuerRef", "name");
        assertThat(all).anyMatch(o -> o.getKind().equals("Issuer") && o.getMetadata().getName().equals(issuer)
                && ns.equals(o.getMetadata().getNamespace()));
        String injectFrom = ns + "/" + certificate.getMetadata().getName();
        for (String kind : List.of("APIService", "ValidatingWebhookConfiguration")) {
            HasMetadata o = all.stream().filter(x -> x.getKind().equals(kind)).findFirst().orElseThrow();
            assertThat(o.getMetadata().getAnnotations()).as(kind)
                    .containsEntry("cert-manager.io/inject-ca-from", injectFrom);
            // No caBundle of its own (the injector writes it; the webhook file's placeholder is not base64).
            assertThat(Kustomize.SERIALIZATION.asJson(o)).as(kind).doesNotContain("caBundle");
        }
        // Everything else as in the openssl install.
        List<String> base = Kustomize.render(".").stream().map(InstallManifestsTest::key)
                .filter(k -> !k.startsWith("Secret queue-metrics/queue-metrics-adapter-serving-cert")).toList();
        assertThat(all.stream().map(InstallManifestsTest::key).toList()).containsAll(base);
    }

    @Test
    void theExamplesMatchTheAdaptersSourcesQueuesAndScaleDownWorkloads() throws Exception {
        List<HasMetadata> examples = Kustomize.render("examples");
        AdapterConfig config = adapterConfig();
        List<HorizontalPodAutoscaler> hpas = of(examples, HorizontalPodAutoscaler.class);
        assertThat(hpas).hasSize(3);
        for (HorizontalPodAutoscaler hpa : hpas) {
            var selector = hpa.getSpec().getMetrics().get(0).getExternal().getMetric().getSelector();
            List<String> sources = new ArrayList<>();
            List<String> queues = new ArrayList<>();
            if (selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty()) {
                sources.add(selector.getMatchLabels().get("source"));
                queues.add(selector.getMatchLabels().get("queue"));
            }
            selector.getMatchExpressions().forEach(e -> (e.getKey().equals("source") ? sources : queues)
                    .addAll(e.getValues()));
            assertThat(sources).as(hpa.getMetadata().getName()).singleElement().isNotNull();
            SourceConfig source = config.sources().stream().filter(s -> s.name().equals(sources.get(0))).findFirst()
                    .orElseThrow(() -> new AssertionError(hpa.getMetadata().getName() + ": no source " + sources));
            // A queue the source does not poll would be a 404 (the HPA holds) instead of a number.
            assertThat(source.queues()).as(hpa.getMetadata().getName()).containsAll(queues);
            // The HPA's namespace may read the source, and its workload exists and consumes those queues.
            assertThat(source.namespaces().isEmpty() || source.namespaces().contains(hpa.getMetadata().getNamespace()))
                    .isTrue();
            PodTemplateSpec template = workloadTemplate(examples, hpa.getSpec().getScaleTargetRef().getKind(),
                    hpa.getMetadata().getNamespace(), hpa.getSpec().getScaleTargetRef().getName());
            String command = String.join(" ", template.getSpec().getContainers().get(0).getCommand());
            assertThat(queues).allSatisfy(q -> assertThat(command).as(hpa.getMetadata().getName()).contains(q));
        }
        // Every workload of scaleDown: is an example, with a worker tracked by its source.
        assertThat(config.scaleDown()).isNotNull();
        assertThat(config.scaleDown().workloads()).hasSize(3).allSatisfy(w -> {
            workloadTemplate(examples, w.kind().configName(), w.namespace(), w.name());
            assertThat(config.sources()).anySatisfy(s -> assertThat(s.name()).isEqualTo(w.source()));
        });
    }

    @Test
    void theExampleWorkersFindTheirSecretsConfigMapsAndTheAdaptersManagementPort() throws Exception {
        List<HasMetadata> examples = Kustomize.render("examples");
        NetworkPolicy policy = of(Kustomize.render("."), NetworkPolicy.class).get(0);
        String readme = Files.readString(Kustomize.REPO.resolve("README.md"));
        List<PodTemplateSpec> templates = new ArrayList<>();
        of(examples, StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        of(examples, Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
        assertThat(templates).hasSize(3);
        for (PodTemplateSpec t : templates) {
            var container = t.getSpec().getContainers().get(0);
            container.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                    .forEach(e -> {
                        var ref = e.getValueFrom().getSecretKeyRef();
                        String key = "Secret/workers/" + ref.getName();
                        assertThat(Kustomize.USER_MADE).as(key + " is made by the user").containsKey(key);
                        assertThat(Kustomize.userMadeKeys(key)).as(e.getName()).contains(ref.getKey());
                    });
            t.getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null).forEach(v -> {
                String name = v.getConfigMap().getName();
                var rendered = of(examples, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name))
                        .findFirst();
                if (rendered.isEmpty()) {
                    String key = "ConfigMap/workers/" + name;
                    assertThat(USER_MADE).as(key + " is neither rendered nor made by the user").containsKey(key);
                    // The README says how to make it, with the key the pods read.
                    assertThat(readme).contains("create configmap " + name + " --from-file=" + USER_MADE.get(key));
                }
            });
            // Their readiness probe asks the adapter's management port: the NetworkPolicy admits them.
            var management = policy.getSpec().getIngress().stream().filter(r -> r.getFrom() != null
                    && !r.getFrom().isEmpty()).findFirst().orElseThrow();
            assertThat(management.getFrom()).anySatisfy(peer -> assertThat(t.getMetadata().getLabels().entrySet())
                    .containsAll(peer.getPodSelector().getMatchLabels().entrySet()));
        }
        // Prometheus' label is documented.
        assertThat(readme).contains("queuemetrics.github.io/adapter-access=prometheus");
    }

    static AdapterConfig adapterConfig() throws Exception {
        ConfigMap configMap = of(Kustomize.render("."), ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("queue-metrics-adapter")).findFirst().orElseThrow();
        return ConfigLoader.parse(configMap.getData().get("adapter.yaml"), Map.of("RABBITMQ_PASSWORD", "x"));
    }

    static PodTemplateSpec workloadTemplate(List<HasMetadata> all, String kind, String ns, String name) {
        return all.stream().filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)
                        && ns.equals(o.getMetadata().getNamespace()))
                .map(o -> o instanceof StatefulSet s ? s.getSpec().getTemplate() : ((Deployment) o).getSpec().getTemplate())
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + ns + "/" + name + " in examples/"));
    }

    @SuppressWarnings("unchecked")
    static <T> List<T> of(List<HasMetadata> all, Class<T> type) {
        return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
    }
}
