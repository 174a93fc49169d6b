package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kubeconfig files naming a test API server (fabric8's mock server, or an address nothing answers):
 * the adapter reads them through {@code --kubeconfig} as it would a user's. A token of its own, the
 * mock server's self-signed HTTPS not verified.
 */
public final class Kubeconfigs {

    private Kubeconfigs() {
    }

    /** The kubeconfig text for {@code serverUrl}, its context in {@code namespace} (null: none). */
    public static String text(String serverUrl, String namespace) {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: test, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: test, user: {token: test-token}}]
                contexts: [{name: test, context: {cluster: test, user: test%s}}]
                current-context: test
                """.formatted(serverUrl, namespace == null ? "" : ", namespace: " + namespace);
    }

    /** {@link #text} in a temporary file, deleted when the JVM exits. */
    public static Path write(String serverUrl, String namespace) {
        try {
            Path file = Files.createTempFile("qma-kubeconfig-", ".yaml");
            file.toFile().deleteOnExit();
            return Files.writeString(file, text(serverUrl, namespace));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
