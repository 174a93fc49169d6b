package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.testsupport.Kubeconfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The API server's side of delegated authentication on fabric8's mock server: TokenReview answers
 * from {@link #tokens}, SubjectAccessReview allows everyone but {@link #denied} users (with
 * {@link #DENIAL_REASON}), and every review the adapter sent is kept to be checked.
 */
final class ReviewExpectations {

    static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    static final String DENIAL_REASON = "no RBAC policy matched";

    /** token -> {username, groups...} */
    final Map<String, List<String>> tokens = new ConcurrentHashMap<>();
    /** token -> the pod a bound service-account token names (extra authentication.kubernetes.io/pod-name) */
    final Map<String, String> podOfToken = new ConcurrentHashMap<>();
    final Set<String> denied = ConcurrentHashMap.newKeySet();
    final List<JsonObject> tokenReviews = new CopyOnWriteArrayList<>();
    final List<JsonObject> accessReviews = new CopyOnWriteArrayList<>();
    /** How long the API server takes to answer a SubjectAccessReview (0: at once). */
    volatile long accessReviewDelayMillis;

    static ReviewExpectations install(KubernetesMockServer server) {
        ReviewExpectations r = new ReviewExpectations();
        server.expect().post().withPath(TOKEN_REVIEWS).andReply(201, request -> {
            JsonObject review = new JsonObject(request.getUtf8Body());
            r.tokenReviews.add(review);
            String token = review.getJsonObject("spec").getString("token");
            List<String> user = r.tokens.get(token);
            JsonObject status = user == null ? new JsonObject().put("authenticated", false)
                    : new JsonObject().put("authenticated", true).put("user", new JsonObject()
                    .put("username", user.get(0)).put("uid", "uid-" + user.get(0))
                    .put("groups", new JsonArray(user.subList(1, user.size()))));
            if (user != null && r.podOfToken.containsKey(token)) {
                status.getJsonObject("user").put("extra", new JsonObject().put(PreStopCaller.POD_NAME_EXTRA,
                        new JsonArray().add(r.podOfToken.get(token))));
            }
            return review.put("status", status).encode();
        }).always();
        server.expect().post().withPath(ACCESS_REVIEWS).andReply(201, request -> {
            JsonObject review = new JsonObject(request.getUtf8Body());
            r.accessReviews.add(review);
            if (r.accessReviewDelayMillis > 0) {
                try {
                    Thread.sleep(r.accessReviewDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean allowed = !r.denied.contains(review.getJsonObject("spec").getString("user"));
            JsonObject status = new JsonObject().put("allowed", allowed);
            if (!allowed) {
                status.put("reason", DENIAL_REASON);
            }
            return review.put("status", status).encode();
        }).always();
        return r;
    }

    void clear() {
        tokens.clear();
        podOfToken.clear();
        denied.clear();
        tokenReviews.clear();
        accessReviews.clear();
        accessReviewDelayMillis = 0;
    }

    JsonObject lastAccessReviewSpec() {
        return accessReviews.get(accessReviews.size() - 1).getJsonObject("spec");
    }

    /** A kubeconfig for the mock server (its self-signed HTTPS not verified, a token of its own). */
    static Path kubeconfig(KubernetesMockServer server) {
        return Kubeconfigs.write(server.url("/"), null);
    }
}
