package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import java.util.List;

/**
 * The answer to one scale review.
 *
 * @param allowed  whether the scale update may proceed
 * @param outcome  for metrics and logs: allowed, denied, drain_timeout (drainTimeout passed), failed_open
 * @param message  why; for a denial the API server returns it to the HPA, which shows it in its
 *                 FailedRescale event
 * @param warnings shown to the client of an allowed update (kubectl prints them)
 */
public record Decision(boolean allowed, String outcome, String message, List<String> warnings) {

    public static final String ALLOWED = "allowed";
    public static final String DENIED = "denied";
    public static final String DRAIN_TIMEOUT = "drain_timeout";
    public static final String FAILED_OPEN = "failed_open";

    public Decision {
        warnings = List.copyOf(warnings);
    }

    public static Decision allow(String message) {
        return new Decision(true, ALLOWED, message, List.of());
    }

    public static Decision deny(String message) {
        return new Decision(false, DENIED, message, List.of());
    }

    /** Allowed although victims are still busy: drainTimeout has passed. */
    public static Decision drainTimedOut(String message) {
        return new Decision(true, DRAIN_TIMEOUT, message, List.of(message));
    }

    /** Allowed because the hook failed: a broken adapter must never block scaling. */
    public static Decision failOpen(String message) {
        return new Decision(true, FAILED_OPEN, message, List.of(message));
    }

    /**
     * The AdmissionResponse for the request {@code uid}. A denial carries code 403 and the message;
     * the API server wraps it as "admission webhook ... denied the request: message".
     */
    public AdmissionResponse toResponse(String uid) {
        AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid).withAllowed(allowed);
        if (allowed) {
            response.withStatus(new StatusBuilder().withCode(200).withMessage(message).build());
            if (!warnings.isEmpty()) {
                response.withWarnings(warnings);
            }
        } else {
            response.withStatus(new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                    .withMessage(message).build());
        }
        return response.build();
    }
}
