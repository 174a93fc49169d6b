package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The mock API server (CRUD mode) serves watches on this Vert.x 5 class path: up to fabric8 7.5 its
 * mockwebserver called {@code ServerWebSocket.accept()}, which Vert.x 5 removed, so every watch
 * failed with a NoSuchMethodError on the server and informers could not be tested. The test-scope
 * mock server is 7.6 or later for that reason (see the pom).
 */
@EnableKubernetesMockClient(crud = true)
class MockServerWatchTest {

    static KubernetesClient client;

    @Test
    void aWatchSeesAPodAddedModifiedAndDeleted() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Watch watch = client.pods().inNamespace("w").watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                seen.add(action + " " + pod.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
                seen.add("closed " + cause);
            }
        });
        try {
            var pod = client.pods().inNamespace("w").resource(new PodBuilder()
                    .withNewMetadata().withName("p").endMetadata().build()).create();
            client.pods().inNamespace("w").withName("p").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("k", "v").endMetadata().build());
            client.pods().inNamespace("w").resource(pod).delete();
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(seen).containsExactly("ADDED p", "MODIFIED p", "DELETED p"));
        } finally {
            watch.close();
        }
    }
}
