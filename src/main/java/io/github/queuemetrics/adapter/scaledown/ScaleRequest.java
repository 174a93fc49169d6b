package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.GroupVersionResource;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import java.util.Optional;

/**
 * An update of an apps/v1 {@code statefulsets/scale} or {@code deployments/scale}, as the HPA sends
 * it ({@code PUT .../scale} with an autoscaling/v1 Scale; a PATCH arrives as UPDATE too).
 *
 * @param uid          the AdmissionRequest's uid, echoed in the answer
 * @param kind         StatefulSet or Deployment
 * @param namespace    the workload's namespace
 * @param name         the workload's name
 * @param oldReplicas  {@code oldObject.spec.replicas}; empty when the API server sent no oldObject
 * @param newReplicas  {@code object.spec.replicas}
 * @param dryRun       a dry run must have no side effects (sideEffects: NoneOnDryRun)
 */
public record ScaleRequest(String uid, WorkloadKind kind, String namespace, String name,
                           Optional<Integer> oldReplicas, int newReplicas, boolean dryRun) {

    /** Converts a map (the oldObject of an unknown kind) into a Scale. */
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /**
     * The scale update in {@code request}, or empty (with the reason in {@code why[0]}) when the
     * request is something else: another operation, resource or subresource. Those are allowed.
     *
     * @throws IllegalArgumentException when it is a scale update without a readable replica count
     */
    public static Optional<ScaleRequest> from(AdmissionRequest request, String[] why) {
        GroupVersionResource resource = request.getResource();
        if (resource == null || !"apps".equals(resource.getGroup())) {
            why[0] = "not an apps/v1 resource";
            return Optional.empty();
        }
        Optional<WorkloadKind> kind = WorkloadKind.fromResource(String.valueOf(resource.getResource()));
        if (kind.isEmpty() || !"scale".equals(request.getSubResource())) {
            why[0] = "not the scale subresource of a StatefulSet or Deployment: " + resource.getResource()
                    + (request.getSubResource() == null ? "" : "/" + request.getSubResource());
            return Optional.empty();
        }
        if (!"UPDATE".equals(request.getOperation())) {
            why[0] = "operation " + request.getOperation() + " is not a scale update";
            return Optional.empty();
        }
        Integer newReplicas = replicas(request.getObject());
        if (newReplicas == null) {
            throw new IllegalArgumentException("the request's object has no spec.replicas");
        }
        return Optional.of(new ScaleRequest(request.getUid(), kind.get(), request.getNamespace(), request.getName(),
                Optional.ofNullable(replicas(request.getOldObject())), newReplicas,
                Boolean.TRUE.equals(request.getDryRun())));
    }

    /** {@code spec.replicas} of a Scale as fabric8 deserialized it (a Scale, or a map for unknown kinds). */
    static Integer replicas(Object object) {
        if (object == null) {
            return null;
        }
        Scale scale = object instanceof Scale s ? s : SERIALIZATION.convertValue(object, Scale.class);
        return scale.getSpec() == null ? null : scale.getSpec().getReplicas();
    }

    /** "StatefulSet workers/wk". */
    public String workload() {
        return kind.configName() + " " + namespace + "/" + name;
    }
}
