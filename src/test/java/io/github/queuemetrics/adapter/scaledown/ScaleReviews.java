package io.github.queuemetrics.adapter.scaledown;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * AdmissionReviews of a scale update as the API server sends them for the HPA's
 * {@code PUT .../scale} (fixture statefulset-scale-review.json: autoscaling/v1 Scale in object and
 * oldObject, the HPA's service account, UpdateOptions).
 */
public final class ScaleReviews {

    private ScaleReviews() {
    }

    /** A review of {@code resource}/scale from {@code from} to {@code to} replicas, with a fresh uid. */
    public static String review(String resource, String namespace, String name, int from, int to, boolean dryRun) {
        return review(UUID.randomUUID().toString(), resource, namespace, name, from, to, dryRun);
    }

    public static String review(String uid, String resource, String namespace, String name, int from, int to,
                                boolean dryRun) {
        return fixture("statefulset-scale-review.json").replace("${UID}", uid).replace("${RESOURCE}", resource)
                .replace("${NAMESPACE}", namespace).replace("${NAME}", name)
                .replace("${FROM}", Integer.toString(from)).replace("${TO}", Integer.toString(to))
                .replace("${DRY_RUN}", Boolean.toString(dryRun));
    }

    public static String fixture(String name) {
        try (InputStream in = ScaleReviews.class.getResourceAsStream("/scaledown/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource /scaledown/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
