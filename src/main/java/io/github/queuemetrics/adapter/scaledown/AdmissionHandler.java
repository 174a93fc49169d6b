package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /admission/scale}: an AdmissionReview v1 in, an AdmissionReview v1 with the response
 * (echoing the request's uid) out. A body that is not an AdmissionReview v1 with a request and a
 * uid is a 400: there is nothing to echo, and the API server never sends one.
 */
public final class AdmissionHandler implements Handler<RoutingContext> {

    public static final String PATH = "/admission/scale";
    static final String API_VERSION = "admission.k8s.io/v1";
    /** AdmissionReviews of a Scale are about 2 KiB; the API server sends at most 3 MiB objects. */
    public static final long BODY_LIMIT = 4L * 1024 * 1024;

    private final ScaleDownHook hook;

    public AdmissionHandler(ScaleDownHook hook) {
        this.hook = hook;
    }

    @Override
    public void handle(RoutingContext ctx) {
        AdmissionReview review;
        try {
            review = parse(ctx.body().asString());
        } catch (IllegalArgumentException e) {
            ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end(e.getMessage() + "\n");
            return;
        }
        hook.review(review.getRequest()).onComplete(result -> {
            AdmissionResponse response = result.succeeded() ? result.result()
                    // ScaleDownHook promises never to fail; if it does anyway, fail open here too.
                    : Decision.failOpen("allowed because the scale-down hook failed: " + result.cause())
                    .toResponse(review.getRequest().getUid());
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Serialization.asJson(reply(response)));
        });
    }

    /** The AdmissionReview in {@code json}; IllegalArgumentException saying what is wrong. */
    static AdmissionReview parse(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException("expected an AdmissionReview (" + API_VERSION + "), got an empty body");
        }
        AdmissionReview review;
        try {
            review = Serialization.unmarshal(json, AdmissionReview.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an AdmissionReview (" + API_VERSION + "): " + e.getMessage());
        }
        if (!API_VERSION.equals(review.getApiVersion()) || !"AdmissionReview".equals(review.getKind())) {
            throw new IllegalArgumentException("expected apiVersion " + API_VERSION + ", kind AdmissionReview; got "
                    + review.getApiVersion() + " " + review.getKind()
                    + " (set admissionReviewVersions: [v1] in the ValidatingWebhookConfiguration)");
        }
        if (review.getRequest() == null || review.getRequest().getUid() == null) {
            throw new IllegalArgumentException("the AdmissionReview has no request.uid");
        }
        return review;
    }

    static AdmissionReview reply(AdmissionResponse response) {
        return new AdmissionReviewBuilder().withApiVersion(API_VERSION).withKind("AdmissionReview")
                .withResponse(response).build();
    }
}
