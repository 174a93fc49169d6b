package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Bearer tokens checked with a TokenReview ({@code POST /apis/authentication.k8s.io/v1/tokenreviews}),
 * on the worker pool. Answers, both ways, are remembered for {@link #TTL} under the token's SHA-256:
 * the token itself is neither kept nor logged.
 */
final class TokenReviewer {

    static final Duration TTL = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final WorkerExecutor pool;
    private final ExpiringCache<String, Optional<io.github.queuemetrics.adapter.auth.UserInfo>> cache;

    TokenReviewer(KubernetesClient client, WorkerExecutor pool, LongSupplier nanoTime) {
        this.client = client;
        this.pool = pool;
        this.cache = new ExpiringCache<>(nanoTime);
    }

    /** The token's user, empty when the API server says it is not valid; failed when it could not be asked. */
    Future<Optional<io.github.queuemetrics.adapter.auth.UserInfo>> review(String token) {
        String key = sha256(token);
        Optional<io.github.queuemetrics.adapter.auth.UserInfo> known = cache.get(key);
        if (known != null) {
            return Future.succeededFuture(known);
        }
        return pool.executeBlocking(() -> {
            TokenReview answer = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
                    .withNewSpec().withToken(token).endSpec().build());
            Optional<io.github.queuemetrics.adapter.auth.UserInfo> user = userOf(answer);
            cache.put(key, user, TTL);
            return user;
        }, false);
    }

    private static Optional<io.github.queuemetrics.adapter.auth.UserInfo> userOf(TokenReview review) {
        if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())
                || review.getStatus().getUser() == null) {
            return Optional.empty();
        }
        UserInfo u = review.getStatus().getUser();
        Map<String, List<String>> extra = u.getExtra() == null ? Map.of() : u.getExtra();
        return Optional.of(new io.github.queuemetrics.adapter.auth.UserInfo(u.getUsername(), u.getUid(),
                u.getGroups(), extra));
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
