package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Kubernetes client, found as kubectl finds its cluster: {@code --kubeconfig FILE} when given,
 * else fabric8's auto-configuration (the in-cluster service account, else {@code KUBECONFIG}, else
 * {@code ~/.kube/config}). fabric8's JDK HTTP client (the Vert.x 4 one is excluded in the pom).
 */
public final class KubernetesClients {

    /** A review must answer within a second; a request that takes longer fails (and the hook allows). */
    static final int REQUEST_TIMEOUT_MS = 3_000;
    static final int CONNECTION_TIMEOUT_MS = 2_000;

    private KubernetesClients() {
    }

    /** Builds the client; no request is made yet. */
    public static KubernetesClient create(Optional<Path> kubeconfig) {
        Config config = kubeconfig.map(KubernetesClients::fromFile).orElseGet(() -> Config.autoConfigure(null));
        config.setRequestTimeout(REQUEST_TIMEOUT_MS);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        // No retries with backoff: the HPA asks again in 15 s, and the answer must not wait.
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static Config fromFile(Path file) {
        if (!Files.isReadable(file)) {
            throw new UncheckedIOException(new IOException("--kubeconfig " + file + ": not a readable file"));
        }
        return Config.fromKubeconfig(null, file.toFile());
    }
}
