package io.github.queuemetrics.adapter.auth;

import io.github.queuemetrics.adapter.api.JsonResponses;
import io.github.queuemetrics.adapter.api.Status;
import io.github.queuemetrics.adapter.scaledown.AdmissionHandler;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code guard} of the secure router with {@code --authentication delegated}: authenticates
 * every request as Kubernetes' delegating authenticator does (request headers from a trusted front
 * proxy, a client certificate, a bearer token by TokenReview, else anonymous) and authorizes it by
 * SubjectAccessReview ({@code system:masters} skips it). {@code /hooks/pre-stop/{namespace}/{pod}}
 * is for the pod itself ({@link PreStopCaller}) or for a caller allowed to delete that pod. 401 and 403 are {@code metav1.Status}.
 * Kubernetes calls run on the worker pool ({@link TokenReviewer}, {@link AccessReviewer}); the
 * certificate checks are CPU only and run here.
 *
 * <p>Not guarded: the health paths (mounted before the guard) and {@link #ADMISSION_PATH}: the API
 * server calls admission webhooks without front-proxy headers and, unless its AdmissionConfiguration
 * gives it a client certificate, without any credential, so the webhook is protected by TLS (the
 * caBundle the API server verifies) and the NetworkPolicy, not here.
 */
public final class DelegatedAuthGuard implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(DelegatedAuthGuard.class);
    public static final String ADMISSION_PATH = AdmissionHandler.PATH;

    private final Supplier<AuthSettings> settings;
    private final TokenReviewer tokens;
    private final AccessReviewer access;
    private final VerifiedChains verified = new VerifiedChains(System::nanoTime);
    private final Map<String, RequestAttributes> getAttributes = new ConcurrentHashMap<>();

    DelegatedAuthGuard(Supplier<AuthSettings> settings, TokenReviewer tokens, AccessReviewer access) {
        this.settings = settings;
        this.tokens = tokens;
        this.access = access;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (ctx.normalizedPath().equals(ADMISSION_PATH)) {
            ctx.next();
            return;
        }
        authenticate(ctx.request()).onComplete(authenticated -> {
            if (authenticated.failed()) {
                LOG.warn("authentication of {} {} could not be checked: {}", ctx.request().method(),
                        ctx.normalizedPath(), authenticated.cause().getMessage());
                JsonResponses.status(ctx, Status.unauthorized());
            } else if (authenticated.result().isEmpty()) {
                JsonResponses.status(ctx, Status.unauthorized());
            } else {
                authorize(ctx, authenticated.result().get());
            }
        });
    }

    /** The user; empty for credentials that were presented and are not valid (401). */
    private Future<Optional<UserInfo>> authenticate(HttpServerRequest request) {
        CertificateAuthentication.Result byCertificate = CertificateAuthentication.authenticate(settings.get(),
                peerCertificates(request), request.headers(), verified);
        if (byCertificate.user() != null) {
            return Future.succeededFuture(Optional.of(byCertificate.user().authenticated()));
        }
        String token = bearerToken(request);
        if (token != null) {
            return tokens.review(token).map(user -> user.map(UserInfo::authenticated));
        }
        if (byCertificate.failed()) {
            LOG.debug("{} {}: 401, {}", request.method(), request.path(), byCertificate.failure());
            return Future.succeededFuture(Optional.empty());
        }
        return Future.succeededFuture(Optional.of(UserInfo.anonymous()));
    }

    private void authorize(RoutingContext ctx, UserInfo user) {
        if (user.isMaster()) {
            ctx.next();
            return;
        }
        Optional<PreStopCaller.Target> preStop = PreStopCaller.target(ctx.normalizedPath());
        if (preStop.isPresent() && PreStopCaller.isThePod(user, preStop.get())) {
            ctx.next();
            return;
        }
        RequestAttributes attributes = preStop.isPresent()
                ? RequestAttributes.deletePod(ctx.normalizedPath(), preStop.get().namespace(), preStop.get().pod())
                : attributesOf(ctx.request().method(), ctx.normalizedPath());
        access.review(user, attributes).onComplete(reviewed -> {
            if (reviewed.failed()) {
                LOG.warn("SubjectAccessReview for {} {} failed: {}", ctx.request().method(), ctx.normalizedPath(),
                        reviewed.cause().getMessage());
                JsonResponses.status(ctx, Status.internalError("the authorization check failed"));
            } else if (reviewed.result().allowed()) {
                ctx.next();
            } else {
                JsonResponses.status(ctx, forbidden(user, attributes, reviewed.result().reason()));
            }
        });
    }

    /**
     * The attributes of a GET, remembered by path: the HPA asks the same few paths over and over,
     * and splitting and decoding each one was a fifth of the guard's work (auth bench). Bounded like
     * the review caches: any caller can send distinct paths.
     */
    private RequestAttributes attributesOf(HttpMethod method, String path) {
        if (method != HttpMethod.GET) {
            return RequestAttributes.of(method.name(), path);
        }
        RequestAttributes known = getAttributes.get(path);
        if (known == null) {
            if (getAttributes.size() >= ExpiringCache.MAX_ENTRIES) {
                getAttributes.clear();
            }
            known = RequestAttributes.of("GET", path);
            getAttributes.put(path, known);
        }
        return known;
    }

    /** Worded like the apiserver's denial, with the authorizer's reason after a colon. */
    static Status forbidden(UserInfo user, RequestAttributes a, String reason) {
        Status status = a.isResourceRequest()
                ? Status.forbiddenResource(user.name(), a.verb(), a.group(), a.resource(), a.namespace())
                : Status.forbiddenPath(user.name(), a.verb(), a.path());
        return reason == null || reason.isEmpty() ? status
                : new Status(403, status.reason(), status.message() + ": " + reason, status.details());
    }

    private static String bearerToken(HttpServerRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static List<X509Certificate> peerCertificates(HttpServerRequest request) {
        if (!request.isSSL()) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : request.connection().peerCertificates()) {
                if (c instanceof X509Certificate x) {
                    chain.add(x);
                }
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return List.of(); // no client certificate: probes, kubectl port-forward users
        }
    }
}
