package io.github.queuemetrics.adapter.scaledown;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Who may ask the adapter to drain a pod before it stops: the seam for the access check of
 * {@code POST /hooks/pre-stop/{namespace}/{pod}}.
 *
 * <p>Today {@link #ANYONE}: like the rest of the secure port without delegated authentication, any
 * caller that reaches the port may drain any guarded pod (the worst it can do is hold one pod's
 * worker idle until drainTimeout, and the undo sweep gives a pod that does not go its queues back).
 * With delegated authentication (a later issue) an implementation will accept only the pod's own
 * service-account token (TokenReview: the token's bound pod claim, {@code authentication.kubernetes.io/pod-name},
 * names this pod in this namespace) or a caller allowed to {@code delete} the pod (SubjectAccessReview),
 * and is passed to {@link PreStopHandler} in place of {@link #ANYONE}.
 */
public interface PreStopAuthorizer {

    /** Lets every caller through. */
    PreStopAuthorizer ANYONE = (ctx, namespace, pod) -> Future.succeededFuture(Optional.empty());

    /**
     * Empty when the caller of {@code ctx} may drain {@code namespace/pod}, else why not (answered
     * 403). Called on the event loop: must not block (TokenReview and SubjectAccessReview are
     * asynchronous). A failed future is answered 200 with outcome failed_open, as any internal failure.
     */
    Future<Optional<String>> refusal(RoutingContext ctx, String namespace, String pod);
}
