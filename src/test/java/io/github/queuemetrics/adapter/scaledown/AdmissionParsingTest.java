package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** AdmissionReview v1 as the API server sends it for the HPA's PUT of statefulsets/scale and deployments/scale. */
class AdmissionParsingTest {

    static final String UID = "705ab4f5-6393-11e8-b7cc-42010a800002";

    @Test
    void aStatefulSetScaleDownWithOldObjectAndOptions() {
        AdmissionReview review = AdmissionHandler.parse(
                ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false));
        AdmissionRequest request = review.getRequest();
        assertThat(request.getUserInfo().getUsername())
                .isEqualTo("system:serviceaccount:kube-system:horizontal-pod-autoscaler");

        ScaleRequest scale = parse(request).orElseThrow();

        assertThat(scale).isEqualTo(new ScaleRequest(UID, WorkloadKind.STATEFUL_SET, "workers", "wk", Optional.of(3),
                2, false));
        assertThat(scale.workload()).isEqualTo("StatefulSet workers/wk");
    }

    @Test
    void aDryRunOfADeployment() {
        ScaleRequest scale = parse(AdmissionHandler.parse(
                ScaleReviews.review(UID, "deployments", "ns", "web", 4, 1, true)).getRequest()).orElseThrow();
        assertThat(scale.kind()).isEqualTo(WorkloadKind.DEPLOYMENT);
        assertThat(scale.dryRun()).isTrue();
        assertThat(scale.oldReplicas()).contains(4);
        assertThat(scale.newReplicas()).isEqualTo(1);
    }

    @SuppressWarnings("unchecked") // JSON trees parsed as maps
    @Test
    void withoutOldObjectTheOldCountIsUnknown() {
        String json = ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false);
        Map<String, Object> tree = Serialization.unmarshal(json, Map.class);
        ((Map<String, Object>) tree.get("request")).remove("oldObject");
        ScaleRequest scale = parse(AdmissionHandler.parse(Serialization.asJson(tree)).getRequest()).orElseThrow();
        assertThat(scale.oldReplicas()).isEmpty();
        assertThat(scale.newReplicas()).isEqualTo(2);
    }

    @Test
    void otherRequestsAreNotScaleUpdates() {
        String sts = ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false);
        String[] why = {""};
        assertThat(ScaleRequest.from(request(sts.replace("\"subResource\": \"scale\"", "\"subResource\": \"status\"")),
                why)).isEmpty();
        assertThat(why[0]).isEqualTo("not the scale subresource of a StatefulSet or Deployment: statefulsets/status");
        assertThat(ScaleRequest.from(request(sts.replace("\"operation\": \"UPDATE\"", "\"operation\": \"DELETE\"")),
                why)).isEmpty();
        assertThat(why[0]).isEqualTo("operation DELETE is not a scale update");
        assertThat(ScaleRequest.from(request(ScaleReviews.review(UID, "replicasets", "ns", "rs", 3, 2, false)), why))
                .isEmpty();
    }

    @Test
    void aScaleWithoutReplicasIsAnError() {
        String json = ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false)
                .replace("\"spec\": {\"replicas\": 2}", "\"spec\": {}");
        assertThatThrownBy(() -> ScaleRequest.from(request(json), new String[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the request's object has no spec.replicas");
    }

    @Test
    void malformedBodiesAreRejectedWithAReason() {
        assertThatThrownBy(() -> AdmissionHandler.parse("")).hasMessageContaining("empty body");
        assertThatThrownBy(() -> AdmissionHandler.parse("{not json")).hasMessageStartingWith("not an AdmissionReview");
        String v1beta1 = ScaleReviews.review(UID, "statefulsets", "workers", "wk", 3, 2, false)
                .replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1");
        assertThatThrownBy(() -> AdmissionHandler.parse(v1beta1)).hasMessageContaining("admissionReviewVersions: [v1]");
        assertThatThrownBy(() -> AdmissionHandler.parse("{\"apiVersion\":\"admission.k8s.io/v1\","
                + "\"kind\":\"AdmissionReview\",\"request\":{}}")).hasMessage("the AdmissionReview has no request.uid");
    }

    @SuppressWarnings("unchecked") // JSON trees parsed as maps
    @Test
    void theAnswerEchoesTheUid() {
        String json = Serialization.asJson(AdmissionHandler.reply(Decision.deny("busy").toResponse(UID)));
        Map<String, Object> tree = Serialization.unmarshal(json, Map.class);
        assertThat(tree).containsEntry("apiVersion", "admission.k8s.io/v1").containsEntry("kind", "AdmissionReview");
        Map<String, Object> response = (Map<String, Object>) tree.get("response");
        assertThat(response).containsEntry("uid", UID).containsEntry("allowed", false);
        assertThat((Map<String, Object>) response.get("status")).containsEntry("code", 403)
                .containsEntry("message", "busy");
        Map<String, Object> allowed = (Map<String, Object>) ((Map<String, Object>) Serialization.unmarshal(
                Serialization.asJson(AdmissionHandler.reply(Decision.failOpen("broken").toResponse(UID))), Map.class))
                .get("response");
        assertThat(allowed).containsEntry("allowed", true).containsEntry("warnings", java.util.List.of("broken"));
    }

    private static AdmissionRequest request(String json) {
        return AdmissionHandler.parse(json).getRequest();
    }

    private static Optional<ScaleRequest> parse(AdmissionRequest request) {
        return ScaleRequest.from(request, new String[1]);
    }
}
