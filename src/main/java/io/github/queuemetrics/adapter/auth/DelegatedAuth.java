package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.scaledown.KubernetesClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --authentication delegated}: the Kubernetes client (found as the scale-down hook finds
 * it), the watched trust settings and the guard of the secure router. Needs RBAC:
 * {@code system:auth-delegator} (TokenReview, SubjectAccessReview) and the
 * {@code extension-apiserver-authentication-reader} Role in kube-system.
 */
public final class DelegatedAuth implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DelegatedAuth.class);

    private final KubernetesClient client;
    private final AuthSettingsWatch watch;
    private final DelegatedAuthGuard guard;
    private Vertx timerVertx;
    private long timer = -1;

    private DelegatedAuth(KubernetesClient client, AuthSettingsWatch watch, DelegatedAuthGuard guard) {
        this.client = client;
        this.watch = watch;
        this.guard = guard;
    }

    /** Connects (on the pool) and reads the ConfigMap once; fails when it cannot be read. */
    public static Future<DelegatedAuth> start(Vertx vertx, WorkerExecutor pool, Optional<Path> kubeconfig) {
        return start(vertx, pool, kubeconfig, AuthSettingsWatch.RECHECK_INTERVAL);
    }

    /** As {@link #start(Vertx, WorkerExecutor, Optional)}, re-reading the ConfigMap every {@code recheck}. */
    public static Future<DelegatedAuth> start(Vertx vertx, WorkerExecutor pool, Optional<Path> kubeconfig,
                                              Duration recheck) {
        return pool.executeBlocking(() -> {
            KubernetesClient client = KubernetesClients.create(kubeconfig);
            AuthSettingsWatch watch = new AuthSettingsWatch();
            try {
                watch.start(client);
            } catch (Exception e) {
                watch.close();
                client.close();
                Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                        ? e.getCause() : e;
                throw new IllegalStateException("delegated authentication: cannot read ConfigMap "
                        + AuthSettings.NAMESPACE + "/" + AuthSettings.NAME + " from " + client.getMasterUrl()
                        + " (is the API server reachable, and may the adapter's service account read it? It needs "
                        + "the extension-apiserver-authentication-reader RoleBinding): " + cause.getMessage(), cause);
            }
            LOG.info("delegated authentication: Kubernetes API {}, TokenReview and SubjectAccessReview answers "
                    + "cached {} s", client.getMasterUrl(), AccessReviewer.ALLOWED_TTL.toSeconds());
            return new DelegatedAuth(client, watch, new DelegatedAuthGuard(watch,
                    new TokenReviewer(client, pool, System::nanoTime), new AccessReviewer(client, pool, System::nanoTime)));
        }, false).onSuccess(auth -> auth.recheckEvery(vertx, pool, recheck));
    }

    private void recheckEvery(Vertx vertx, WorkerExecutor pool, Duration interval) {
        timerVertx = vertx;
        timer = vertx.setPeriodic(interval.toMillis(), id -> pool.executeBlocking(() -> {
            watch.recheck();
            return null;
        }, false));
    }

    public DelegatedAuthGuard guard() {
        return guard;
    }

    @Override
    public void close() {
        if (timerVertx != null) {
            timerVertx.cancelTimer(timer);
        }
        watch.close();
        client.close();
    }
}
