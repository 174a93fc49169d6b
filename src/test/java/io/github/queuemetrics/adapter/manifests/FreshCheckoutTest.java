package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a user who has just cloned the repository can render: {@code kubectl apply -k manifests/},
 * the cert-manager overlay and the examples work from git alone (no secret in git, no generated file
 * needed), and the openssl overlay says which file it lacks until make-certs.sh has run. Every Secret
 * the manifests refer to and do not render is one the README tells the user to create, by name.
 */
class FreshCheckoutTest {

    @Test
    void everyKustomizationButTheOpensslOneRendersFromAFreshClone() {
        for (String kustomization : List.of(".", "overlays/cert-manager", "examples")) {
            List<HasMetadata> objects = Kustomize.renderFresh(kustomization);
            assertThat(objects).as(kustomization).isNotEmpty();
            // Nothing secret comes from git: no Secret at all, no certificate.
            assertThat(objects).as(kustomization).noneMatch(Secret.class::isInstance);
            assertThat(Kustomize.SERIALIZATION.asYaml(objects)).as(kustomization).doesNotContain("BEGIN");
        }
        // Without a certificate the APIService and the webhook carry no caBundle (a placeholder would
        // be rejected by the API server as invalid base64), and the install is otherwise the full one.
        List<HasMetadata> root = Kustomize.renderFresh(".");
        assertThat(Kustomize.SERIALIZATION.asYaml(root)).doesNotContain("caBundle");
        List<String> withCertificate = Kustomize.render("certs").stream().map(InstallManifestsTest::key)
                .filter(k -> !k.equals("Secret queue-metrics/queue-metrics-adapter-serving-cert")).toList();
        assertThat(root.stream().map(InstallManifestsTest::key).toList())
                .containsExactlyInAnyOrderElementsOf(withCertificate);
    }

    @Test
    void theOpensslOverlayNamesTheMissingCertificateUntilTheScriptHasRun() {
        Path manifests = Kustomize.copyOfWhatGitHolds();
        assertThatThrownBy(() -> Kustomize.renderText(manifests.resolve("certs"))).hasMessageContaining("tls.crt");
        // make-certs.sh writes next to itself by default: that is all the overlay lacked.
        Kustomize.run(List.of("bash", manifests.resolve("certs/make-certs.sh").toString()), manifests);
        assertThat(Kustomize.parse(Kustomize.renderText(manifests.resolve("certs"))))
                .anyMatch(o -> o instanceof Secret s && "kubernetes.io/tls".equals(s.getType()));
    }

    @Test
    void everySecretTheManifestsNeedIsRenderedOrCreatedAsTheReadmeSays() throws Exception {
        String readme = Files.readString(Kustomize.REPO.resolve("README.md"));
        List<HasMetadata> all = new ArrayList<>(Kustomize.render("certs"));
        all.addAll(Kustomize.render("examples"));
        List<String> referred = new ArrayList<>();
        for (HasMetadata o : all) {
            PodSpec pod = o instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
                    : o instanceof StatefulSet s ? s.getSpec().getTemplate().getSpec() : null;
            if (pod == null) {
                continue;
            }
            String ns = o.getMetadata().getNamespace();
            pod.getContainers().forEach(c -> c.getEnv().stream()
                    .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                    .forEach(e -> referred.add("Secret/" + ns + "/" + e.getValueFrom().getSecretKeyRef().getName())));
            pod.getVolumes().stream().filter(v -> v.getSecret() != null)
                    .forEach(v -> referred.add("Secret/" + ns + "/" + v.getSecret().getSecretName()));
        }
        assertThat(referred).isNotEmpty();
        for (String secret : referred) {
            String[] parts = secret.split("/");
            boolean rendered = all.stream().anyMatch(o -> o instanceof Secret && o.getMetadata().getName().equals(parts[2])
                    && parts[1].equals(o.getMetadata().getNamespace()));
            if (rendered) {
                continue;
            }
            assertThat(Kustomize.USER_MADE).as(secret + " is neither rendered nor made by the user").containsKey(secret);
            // The README's command, which the example file's comment repeats.
            String command = "kubectl -n " + parts[1] + " create secret generic " + parts[2] + " --from-env-file=";
            assertThat(readme).as(secret).contains(command);
            assertThat(Files.readString(Kustomize.MANIFESTS.resolve(Kustomize.USER_MADE.get(secret)))).contains(command);
            assertThat(Kustomize.userMadeKeys(secret)).as(secret).isNotEmpty();
        }
        assertThat(referred).contains("Secret/queue-metrics/queue-metrics-adapter-brokers", "Secret/workers/celery-broker");
    }
}
