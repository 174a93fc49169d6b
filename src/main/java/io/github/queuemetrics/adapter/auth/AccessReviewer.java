package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Authorization by SubjectAccessReview ({@code POST /apis/authorization.k8s.io/v1/subjectaccessreviews}),
 * on the worker pool. Allowed answers are remembered for {@link #ALLOWED_TTL}, denials for the
 * shorter {@link #DENIED_TTL} (a RoleBinding just created should start working soon). Requests that
 * need the same review while it is being made wait for that one: when an answer expires, every
 * connection of the HPA asks at once (the auth bench saw 8 reviews per expiry, one per connection).
 * An allowed answer in use is renewed in the background in its last {@link #RENEW_BEFORE}, so the
 * HPA's steady requests never wait for a review round trip; the renewal's answer replaces it, so a
 * revoked permission still ends within the TTL of the last allowed answer.
 */
final class AccessReviewer {

    static final Duration ALLOWED_TTL = Duration.ofSeconds(10);
    static final Duration DENIED_TTL = Duration.ofSeconds(5);
    static final Duration RENEW_BEFORE = Duration.ofSeconds(2);

    /** The review's answer; {@code reason} is what the authorizer said (may be empty). */
    record Decision(boolean allowed, String reason) {
    }

    private record Key(UserInfo user, RequestAttributes attributes) {
    }

    private final KubernetesClient client;
    private final WorkerExecutor pool;
    private final ExpiringCache<Key, Decision> cache;
    private final Map<Key, Future<Decision>> inFlight = new ConcurrentHashMap<>();

    AccessReviewer(KubernetesClient client, WorkerExecutor pool, LongSupplier nanoTime) {
        this.client = client;
        this.pool = pool;
        this.cache = new ExpiringCache<>(nanoTime);
    }

    Future<Decision> review(UserInfo user, RequestAttributes attributes) {
        Key key = new Key(user, attributes);
        ExpiringCache.Hit<Decision> known = cache.get(key, RENEW_BEFORE);
        if (known != null) {
            if (known.expiresSoon() && known.value().allowed()) {
                reviewOnce(key); // renews the answer; this request does not wait for it
            }
            return Future.succeededFuture(known.value());
        }
        return reviewOnce(key);
    }

    /** The review in flight for {@code key}, or a new one; its answer goes into the cache. */
    private Future<Decision> reviewOnce(Key key) {
        UserInfo user = key.user();
        RequestAttributes attributes = key.attributes();
        Promise<Decision> mine = Promise.promise();
        Future<Decision> pending = inFlight.putIfAbsent(key, mine.future());
        if (pending != null) {
            return pending;
        }
        pool.executeBlocking(() -> {
            SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(request(user, attributes));
            boolean allowed = answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
            String reason = answer.getStatus() == null || answer.getStatus().getReason() == null
                    ? "" : answer.getStatus().getReason();
            Decision decision = new Decision(allowed, reason);
            cache.put(key, decision, allowed ? ALLOWED_TTL : DENIED_TTL);
            return decision;
        }, false).onComplete(done -> {
            // Out of the map before anyone sees the answer: later requests read the cache (or, after a
            // failure, try again) instead of this completed review.
            inFlight.remove(key, mine.future());
            mine.handle(done);
        });
        return mine.future();
    }

    static SubjectAccessReview request(UserInfo user, RequestAttributes a) {
        SubjectAccessReviewSpecBuilder spec = new SubjectAccessReviewSpecBuilder()
                .withUser(user.name()).withUid(user.uid().isEmpty() ? null : user.uid())
                .withGroups(user.groups()).withExtra(user.extra().isEmpty() ? null : user.extra());
        if (a.isResourceRequest()) {
            boolean metrics = RequestAttributes.GROUP.equals(a.group());
            spec.withNewResourceAttributes().withGroup(a.group()).withVersion(metrics ? RequestAttributes.VERSION : "v1")
                    .withResource(a.resource()).withNamespace(a.namespace()).withName(a.name()).withVerb(a.verb())
                    .endResourceAttributes();
        } else {
            spec.withNewNonResourceAttributes().withPath(a.path()).withVerb(a.verb()).endNonResourceAttributes();
        }
        return new SubjectAccessReviewBuilder().withSpec(spec.build()).build();
    }
}
