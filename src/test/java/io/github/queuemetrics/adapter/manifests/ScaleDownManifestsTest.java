package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.github.queuemetrics.adapter.scaledown.AdmissionHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** manifests/scale-down: the webhook reaches /admission/scale safely, and the RBAC covers what the hook does. */
class ScaleDownManifestsTest {

    @Test
    void theWebhookMatchesTheScaleSubresourcesAndFailsOpen() throws Exception {
        List<HasMetadata> all = ManifestsTest.loadAll();
        var webhook = all.stream().filter(ValidatingWebhookConfiguration.class::isInstance)
                .map(ValidatingWebhookConfiguration.class::cast).findFirst().orElseThrow().getWebhooks().get(0);
        assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
        assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
        assertThat(webhook.getSideEffects()).isEqualTo("NoneOnDryRun");
        assertThat(webhook.getTimeoutSeconds()).isBetween(1, 30);
        assertThat(webhook.getNamespaceSelector().getMatchLabels()).isNotEmpty();
        assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("apps");
            assertThat(rule.getResources()).containsExactlyInAnyOrder("statefulsets/scale", "deployments/scale");
            assertThat(rule.getOperations()).containsExactly("UPDATE");
        });
        var ref = webhook.getClientConfig().getService();
        assertThat(ref.getPath()).isEqualTo(AdmissionHandler.PATH);
        Service service = all.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> s.getMetadata().getName().equals(ref.getName())
                        && s.getMetadata().getNamespace().equals(ref.getNamespace())).findFirst().orElseThrow();
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(ref.getPort()));
    }

    @Test
    void theAdaptersServiceAccountMayDoWhatTheHookDoes() throws Exception {
        List<HasMetadata> all = ManifestsTest.loadAll();
        ClusterRole role = all.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .filter(r -> r.getMetadata().getName().equals("queue-metrics-adapter:scale-down")).findFirst()
                .orElseThrow();
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getResources()).contains("pods");
            assertThat(r.getVerbs()).contains("get", "list", "patch");
        });
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getApiGroups()).contains("apps");
            assertThat(r.getResources()).contains("statefulsets");
            assertThat(r.getVerbs()).contains("get");
        });
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getResources()).contains("events");
            assertThat(r.getVerbs()).contains("create");
        });
        Deployment adapter = all.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals("queue-metrics-adapter")).findFirst().orElseThrow();
        assertThat(all.stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast))
                .anySatisfy(b -> {
                    assertThat(b.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
                    assertThat(b.getSubjects()).anySatisfy(s -> {
                        assertThat(s.getName()).isEqualTo(adapter.getSpec().getTemplate().getSpec()
                                .getServiceAccountName());
                        assertThat(s.getNamespace()).isEqualTo(adapter.getMetadata().getNamespace());
                    });
                });
    }
}
