package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.APIService;
import io.github.queuemetrics.adapter.auth.AuthSettings;
import io.github.queuemetrics.adapter.scaledown.AdmissionHandler;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl kustomize manifests/certs} (manifests/ with the serving certificate of make-certs.sh):
 * every object the install creates refers to objects that exist or that the user creates, by the
 * right name, namespace, port, label and key, and the adapter's pods are locked down.
 */
class InstallManifestsTest {

    /** Objects that come with every cluster, which the install refers to but does not create. */
    static final Set<String> BUILT_IN = Set.of("ClusterRole/system:auth-delegator",
            "Role/kube-system/extension-apiserver-authentication-reader",
            "ServiceAccount/kube-system/horizontal-pod-autoscaler", "Namespace/kube-system");

    final List<HasMetadata> all = Kustomize.render("certs");

    @Test
    void everyObjectIsTypedAndEveryNamespaceExists() {
        assertThat(all).allSatisfy(o -> {
            assertThat(o).as(o.getKind()).isNotInstanceOf(GenericKubernetesResource.class);
            String ns = o.getMetadata().getNamespace();
            if (ns != null) {
                assertThat(exists("Namespace", null, ns)).as(key(o)).isTrue();
            }
        });
        assertThat(kinds()).contains("Namespace", "ServiceAccount", "ClusterRoleBinding", "RoleBinding", "ClusterRole",
                "Role", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
                "APIService", "ValidatingWebhookConfiguration");
    }

    @Test
    void everyBindingNamesARoleAndServiceAccountsThatExist() {
        List<HasMetadata> bindings = new ArrayList<>();
        bindings.addAll(of(ClusterRoleBinding.class));
        bindings.addAll(of(RoleBinding.class));
        assertThat(bindings).hasSizeGreaterThanOrEqualTo(5);
        for (HasMetadata b : bindings) {
            RoleRef ref = b instanceof ClusterRoleBinding c ? c.getRoleRef() : ((RoleBinding) b).getRoleRef();
            List<Subject> subjects = b instanceof ClusterRoleBinding c ? c.getSubjects() : ((RoleBinding) b).getSubjects();
            String roleNs = ref.getKind().equals("Role") ? b.getMetadata().getNamespace() : null;
            assertThat(exists(ref.getKind(), roleNs, ref.getName())).as(key(b) + " -> " + ref).isTrue();
            assertThat(subjects).as(key(b)).isNotEmpty().allSatisfy(s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(exists("ServiceAccount", s.getNamespace(), s.getName())).as(key(b) + " -> " + s.getName())
                        .isTrue();
            });
        }
        String sa = adapter().getSpec().getTemplate().getSpec().getServiceAccountName();
        String ns = adapter().getMetadata().getNamespace();
        assertThat(exists("ServiceAccount", ns, sa)).isTrue();
        // Delegated authentication: reviews, and the trust ConfigMap in kube-system.
        assertThat(boundTo("system:auth-delegator", sa, ns)).isTrue();
        assertThat(of(RoleBinding.class)).anySatisfy(b -> {
            assertThat(b.getMetadata().getNamespace()).isEqualTo(AuthSettings.NAMESPACE);
            assertThat(b.getRoleRef().getName()).isEqualTo("extension-apiserver-authentication-reader");
            assertThat(b.getSubjects()).anySatisfy(s -> assertThat(s.getName() + "/" + s.getNamespace())
                    .isEqualTo(sa + "/" + ns));
        });
        // The HPA controller may read every external metric.
        ClusterRole reader = of(ClusterRole.class).stream().filter(r -> r.getRules().stream()
                .anyMatch(rule -> rule.getApiGroups().contains("external.metrics.k8s.io"))).findFirst().orElseThrow();
        assertThat(reader.getRules()).anySatisfy(rule -> assertThat(rule.getVerbs()).contains("get", "list"));
        assertThat(boundTo(reader.getMetadata().getName(), "horizontal-pod-autoscaler", "kube-system")).isTrue();
        // The scale-down hook's role and its Lease role are the adapter's.
        assertThat(boundTo("queue-metrics-adapter:scale-down", sa, ns)).isTrue();
        assertThat(of(Role.class)).anySatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo(ns));
    }

    @Test
    void theDeploymentIsLockedDownAndProbedOnTheManagementPort() {
        Deployment d = adapter();
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
        // Sized from the memory bench (bench/README.md): 384Mi, requested as much as the limit.
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("384Mi");
        assertThat(c.getResources().getRequests().get("memory")).isEqualTo(c.getResources().getLimits().get("memory"));
        assertThat(c.getResources().getRequests()).containsKey("cpu");
        // The CLI flags and ports of the contract: secure 6443 named https, management 8080.
        assertThat(c.getArgs()).contains("--secure-port=6443", "--management-port=8080", "--authentication=delegated");
        assertThat(port(c, "https").getContainerPort()).isEqualTo(6443);
        assertThat(port(c, "management").getContainerPort()).isEqualTo(8080);
        // The only writable path is a mounted /tmp (read-only root).
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    }

    @Test
    void everyFileTheAdapterReadsIsMountedFromAKeyThatExists() {
        Deployment d = adapter();
        String ns = d.getMetadata().getNamespace();
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        for (String flag : List.of("--config", "--tls-cert-file", "--tls-private-key-file")) {
            String path = c.getArgs().stream().filter(a -> a.startsWith(flag + "=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + flag)).substring(flag.length() + 1);
            var mount = c.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/")).findFirst()
                    .orElseThrow(() -> new AssertionError(flag + " " + path + " is on no mounted volume"));
            String file = path.substring(mount.getMountPath().length() + 1);
            Volume volume = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            Map<String, String> data = volume.getSecret() != null
                    ? secret(ns, volume.getSecret().getSecretName()).getData()
                    : configMap(ns, volume.getConfigMap().getName()).getData();
            assertThat(data).as(flag).containsKey(file);
        }
        // Every environment variable from a Secret or ConfigMap names a key that is there, or one the
        // user's Secret has (kubectl create secret ... --from-env-file, keys as in the example file).
        assertThat(c.getEnv()).allSatisfy(e -> {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                String userMade = "Secret/" + ns + "/" + ref.getName();
                if (Kustomize.USER_MADE.containsKey(userMade)) {
                    assertThat(Kustomize.userMadeKeys(userMade)).as(e.getName()).contains(ref.getKey());
                } else {
                    assertThat(secret(ns, ref.getName()).getData()).as(e.getName()).containsKey(ref.getKey());
                }
            }
            if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                var ref = e.getValueFrom().getConfigMapKeyRef();
                assertThat(configMap(ns, ref.getName()).getData()).as(e.getName()).containsKey(ref.getKey());
            }
        });
        // The serving Secret is what kube-apiserver expects of a TLS Secret.
        Secret serving = of(Secret.class).stream().filter(s -> "kubernetes.io/tls".equals(s.getType())).findFirst()
                .orElseThrow();
        assertThat(serving.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
    }

    @Test
    void theServicePdbAndNetworkPolicySelectTheAdaptersPods() {
        Deployment d = adapter();
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(selects(d.getSpec().getSelector(), podLabels)).isTrue();
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        Service service = service();
        assertThat(service.getMetadata().getNamespace()).isEqualTo(d.getMetadata().getNamespace());
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).allSatisfy(p -> assertThat(port(c, p.getTargetPort().getStrVal()))
                .isNotNull());

        PodDisruptionBudget pdb = of(PodDisruptionBudget.class).get(0);
        assertThat(pdb.getMetadata().getNamespace()).isEqualTo(d.getMetadata().getNamespace());
        assertThat(selects(pdb.getSpec().getSelector(), podLabels)).isTrue();
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isBetween(1, d.getSpec().getReplicas() - 1);

        NetworkPolicy policy = of(NetworkPolicy.class).get(0);
        assertThat(policy.getMetadata().getNamespace()).isEqualTo(d.getMetadata().getNamespace());
        assertThat(selects(policy.getSpec().getPodSelector(), podLabels)).isTrue();
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
        var rules = policy.getSpec().getIngress();
        assertThat(rules).allSatisfy(r -> assertThat(r.getPorts()).allSatisfy(p ->
                assertThat(port(c, p.getPort().getStrVal())).as("port " + p.getPort()).isNotNull()));
        // The secure port: open (kube-apiserver has no pod labels). The management port: by label only.
        assertThat(rules).anySatisfy(r -> {
            assertThat(r.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("https"));
            assertThat(r.getFrom()).isNullOrEmpty();
        });
        var management = rules.stream().filter(r -> r.getPorts().stream()
                .anyMatch(p -> p.getPort().getStrVal().equals("management"))).toList();
        assertThat(management).singleElement().satisfies(r -> {
            assertThat(r.getFrom()).isNotEmpty().allSatisfy(peer -> {
                assertThat(peer.getIpBlock()).isNull();
                assertThat(peer.getPodSelector().getMatchLabels()).containsKey("queuemetrics.github.io/adapter-access");
            });
            assertThat(r.getFrom()).anySatisfy(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                    .containsEntry("queuemetrics.github.io/adapter-access", "prometheus"));
        });
    }

    @Test
    void theApiServiceAndTheWebhookReachTheSecurePortAndTrustTheServingCa() {
        Service service = service();
        Secret serving = secret(service.getMetadata().getNamespace(),
                adapter().getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
                        .filter(v -> v.getName().equals("serving-cert")).findFirst().orElseThrow().getSecret()
                        .getSecretName());
        byte[] ca = decode(serving.getData().get("ca.crt"));
        assertThat(new String(ca, java.nio.charset.StandardCharsets.US_ASCII)).startsWith("-----BEGIN CERTIFICATE-----");

        APIService api = of(APIService.class).get(0);
        assertThat(api.getSpec().getService().getName()).isEqualTo(service.getMetadata().getName());
        assertThat(api.getSpec().getService().getNamespace()).isEqualTo(service.getMetadata().getNamespace());
        assertThat(servicePortName(service, api.getSpec().getService().getPort())).isEqualTo("https");
        assertThat(decode(api.getSpec().getCaBundle())).isEqualTo(ca);
        assertThat(api.getSpec().getInsecureSkipTLSVerify()).isNotEqualTo(Boolean.TRUE);

        ValidatingWebhookConfiguration webhooks = of(ValidatingWebhookConfiguration.class).get(0);
        assertThat(webhooks.getWebhooks()).isNotEmpty().allSatisfy(w -> {
            var ref = w.getClientConfig().getService();
            assertThat(ref.getName()).isEqualTo(service.getMetadata().getName());
            assertThat(ref.getNamespace()).isEqualTo(service.getMetadata().getNamespace());
            assertThat(ref.getPath()).isEqualTo(AdmissionHandler.PATH);
            assertThat(servicePortName(service, ref.getPort())).isEqualTo("https");
            assertThat(decode(w.getClientConfig().getCaBundle())).isEqualTo(ca);
        });
    }

    static byte[] decode(String base64) {
        // kustomize folds long base64 values; the API server's decoder skips the line breaks too.
        return Base64.getMimeDecoder().decode(base64);
    }

    // --- lookups -------------------------------------------------------------------------------

    Deployment adapter() {
        return of(Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("queue-metrics-adapter"))
                .findFirst().orElseThrow();
    }

    Service service() {
        return of(Service.class).stream().filter(s -> s.getMetadata().getName().equals("queue-metrics-adapter"))
                .findFirst().orElseThrow();
    }

    static String servicePortName(Service service, Integer port) {
        return service.getSpec().getPorts().stream().filter(p -> p.getPort().equals(port == null ? 443 : port))
                .findFirst().orElseThrow(() -> new AssertionError("Service has no port " + port)).getName();
    }

    static ContainerPort port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("container " + c.getName() + " has no port named " + name));
    }

    /** matchLabels only (the manifests use no expressions). */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertThat(selector.getMatchExpressions()).isNullOrEmpty();
        assertThat(selector.getMatchLabels()).isNotEmpty();
        return labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }

    Secret secret(String ns, String name) {
        return of(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(name)
                && ns.equals(s.getMetadata().getNamespace())).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret " + ns + "/" + name));
    }

    ConfigMap configMap(String ns, String name) {
        return of(ConfigMap.class).stream().filter(s -> s.getMetadata().getName().equals(name)
                && ns.equals(s.getMetadata().getNamespace())).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap " + ns + "/" + name));
    }

    boolean boundTo(String role, String sa, String ns) {
        return of(ClusterRoleBinding.class).stream().anyMatch(b -> b.getRoleRef().getName().equals(role)
                && b.getSubjects().stream().anyMatch(s -> s.getName().equals(sa) && ns.equals(s.getNamespace())));
    }

    boolean exists(String kind, String ns, String name) {
        String k = ns == null ? kind + "/" + name : kind + "/" + ns + "/" + name;
        return BUILT_IN.contains(k) || all.stream().anyMatch(o -> o.getKind().equals(kind)
                && o.getMetadata().getName().equals(name)
                && (ns == null || ns.equals(o.getMetadata().getNamespace())));
    }

    Set<String> kinds() {
        return Set.copyOf(all.stream().map(HasMetadata::getKind).toList());
    }

    @SuppressWarnings("unchecked")
    <T> List<T> of(Class<T> type) {
        return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
    }

    static String key(HasMetadata o) {
        return o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
                + o.getMetadata().getName();
    }
}
