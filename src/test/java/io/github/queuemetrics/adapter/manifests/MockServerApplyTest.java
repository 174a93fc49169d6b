package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl apply -k} sends, sent to fabric8's mock API server (CRUD mode): every object is
 * accepted, reads back as written, can be updated and deleted. (No cluster here: the mock server
 * checks the objects' shape and addressing, not admission rules.)
 */
@EnableKubernetesMockClient(crud = true)
class MockServerApplyTest {

    static KubernetesClient client;

    @Test
    void theInstallAndTheExamplesAreCreatedReadUpdatedAndDeleted() {
        for (String kustomization : List.of(".", "certs", "examples", "overlays/cert-manager")) {
            List<HasMetadata> objects = Kustomize.render(kustomization);
            for (HasMetadata o : objects) {
                HasMetadata created = resource(o).createOr(existing -> existing.update());
                assertThat(created.getMetadata().getUid()).as(InstallManifestsTest.key(o)).isNotBlank();
            }
            for (HasMetadata o : objects) {
                HasMetadata read = resource(o).get();
                assertThat(read).as(kustomization + ": " + InstallManifestsTest.key(o)).isNotNull();
                assertThat(withoutServerFields(read)).as(InstallManifestsTest.key(o)).isEqualTo(withoutServerFields(o));
            }
        }
        Deployment adapter = client.apps().deployments().inNamespace("queue-metrics").withName("queue-metrics-adapter")
                .edit(d -> {
                    d.getSpec().setReplicas(3);
                    return d;
                });
        assertThat(client.apps().deployments().inNamespace("queue-metrics").withName("queue-metrics-adapter").get()
                .getSpec().getReplicas()).isEqualTo(3);
        assertThat(adapter.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext()
                .getReadOnlyRootFilesystem()).isTrue();
        for (HasMetadata o : Kustomize.render("certs")) {
            assertThat(client.resource(o).delete()).as(InstallManifestsTest.key(o)).isNotEmpty();
            assertThat(client.resource(o).get()).as(InstallManifestsTest.key(o)).isNull();
        }
    }

    /** fabric8's typed handler, or for cert-manager's kinds (no model class) a generic one. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Resource<HasMetadata> resource(HasMetadata o) {
        if (!(o instanceof GenericKubernetesResource g)) {
            return client.resource(o);
        }
        String[] groupVersion = g.getApiVersion().split("/");
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(groupVersion[0])
                .withVersion(groupVersion[1]).withKind(g.getKind()).withPlural(g.getKind().toLowerCase() + "s")
                .withNamespaced(true).build();
        return (Resource) client.genericKubernetesResources(context).inNamespace(g.getMetadata().getNamespace())
                .resource(g);
    }

    /** The object as a map without what the server adds (uid, resourceVersion, timestamps, status). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withoutServerFields(HasMetadata o) {
        Map<String, Object> map = new HashMap<>(Kustomize.SERIALIZATION.convertValue(o, Map.class));
        map.remove("status");
        Map<String, Object> metadata = new HashMap<>((Map<String, Object>) map.get("metadata"));
        metadata.keySet().retainAll(List.of("name", "namespace", "labels", "annotations"));
        map.put("metadata", metadata);
        return map;
    }
}
