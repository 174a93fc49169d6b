package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ConfigMap {@code kube-system/extension-apiserver-authentication}, watched: a new front-proxy CA,
 * allowed name or client CA takes effect with the next request, without a restart. A ConfigMap
 * that does not parse is logged and the last good settings stay; a deleted one keeps them too.
 *
 * <p>Besides the informer's watch, {@link #recheck()} re-reads it with a plain GET (called every
 * {@link #RECHECK_INTERVAL} by {@link DelegatedAuth}): a watch that silently stopped delivering
 * must not keep an old CA forever, and fabric8's mock server cannot serve watches on this Vert.x 5
 * classpath, so the tests see changes through this path.
 */
final class AuthSettingsWatch implements Supplier<AuthSettings>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuthSettingsWatch.class);
    static final Duration FIRST_READ = Duration.ofSeconds(10);
    public static final Duration RECHECK_INTERVAL = Duration.ofSeconds(30);

    private final AtomicReference<AuthSettings> current = new AtomicReference<>(AuthSettings.EMPTY);
    /** The resourceVersion applied last (good or not), so a re-read of the same version changes nothing. */
    private final AtomicReference<String> version = new AtomicReference<>();
    private KubernetesClient client;
    private SharedIndexInformer<ConfigMap> informer;

    /** Blocking: starts the informer and waits for its first list (fails when it cannot be read, e.g. RBAC). */
    void start(KubernetesClient client) throws Exception {
        this.client = client;
        informer = client.configMaps().inNamespace(AuthSettings.NAMESPACE).withName(AuthSettings.NAME)
                .runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap map) {
                apply(map);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap map) {
                apply(map);
            }

            @Override
            public void onDelete(ConfigMap map, boolean unknownFinalState) {
                LOG.warn("ConfigMap {}/{} was deleted; keeping the trust settings read last", AuthSettings.NAMESPACE,
                        AuthSettings.NAME);
            }
        });
        informer.start().toCompletableFuture().get(FIRST_READ.toMillis(), TimeUnit.MILLISECONDS);
        if (informer.getStore().list().isEmpty()) {
            LOG.warn("ConfigMap {}/{} does not exist: no client certificate or front proxy is trusted until it does "
                    + "(bearer tokens still work)", AuthSettings.NAMESPACE, AuthSettings.NAME);
        }
    }

    /** Blocking: a GET of the ConfigMap; a failure is logged and the settings stay. */
    void recheck() {
        try {
            ConfigMap map = client.configMaps().inNamespace(AuthSettings.NAMESPACE).withName(AuthSettings.NAME).get();
            if (map != null) {
                apply(map);
            }
        } catch (RuntimeException e) {
            LOG.warn("re-reading ConfigMap {}/{} failed, keeping the trust settings read last: {}",
                    AuthSettings.NAMESPACE, AuthSettings.NAME, e.getMessage());
        }
    }

    private synchronized void apply(ConfigMap map) {
        String resourceVersion = map.getMetadata().getResourceVersion();
        if (resourceVersion != null && resourceVersion.equals(version.getAndSet(resourceVersion))) {
            return;
        }
        try {
            AuthSettings settings = AuthSettings.fromConfigMap(map.getData());
            current.set(settings);
            LOG.info("trust settings from {}/{} (resourceVersion {}): {} request-header CA(s), allowed names {}, "
                            + "{} client CA(s)", AuthSettings.NAMESPACE, AuthSettings.NAME,
                    map.getMetadata().getResourceVersion(), settings.requestHeaderCas().size(), settings.allowedNames(),
                    settings.clientCas().size());
        } catch (IllegalArgumentException e) {
            LOG.error("ignoring ConfigMap {}/{} (resourceVersion {}), keeping the previous trust settings: {}",
                    AuthSettings.NAMESPACE, AuthSettings.NAME, map.getMetadata().getResourceVersion(), e.getMessage());
        }
    }

    @Override
    public AuthSettings get() {
        return current.get();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
