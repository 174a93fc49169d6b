package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.vertx.core.Future;

/**
 * What the secure port's {@code POST /admission/scale} calls: one admission request in, its answer
 * out. Called on an event loop; implementations do their blocking work on the worker pool.
 */
public interface ScaleDownHook {

    /**
     * Answers {@code request}. The response echoes the request's uid. The future never fails and
     * completes within about a second: an internal failure or a slow dependency answers allowed.
     */
    Future<AdmissionResponse> review(AdmissionRequest request);
}
