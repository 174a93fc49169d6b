package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the guarded workloads and their pods, so a review and the replica gauges read a cache
 * instead of asking the API server: one StatefulSet and one Deployment informer per namespace that
 * has guarded workloads of that kind, and one pod informer per guarded workload's selector (shared
 * by workloads with the same selector), started when its workload is first seen.
 *
 * <p>Every read falls back to a GET or LIST while the informer it needs has not synced, while its
 * watch is down (reconnecting), and for pods the hook has just written until the watch brought the
 * write back ({@link PodWrites}): a watch that is broken or behind never blocks a review and never
 * answers from stale state. Without {@link #start} (or with no workloads) every read is a GET/LIST.
 */
final class WorkloadInformers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadInformers.class);

    /** A pod informer's scope: a namespace and a workload's {@code matchLabels}. */
    private record PodScope(String namespace, Map<String, String> selector) {
    }

    private final KubernetesClient client;
    private final List<Workload> workloads;
    private final Map<String, SharedIndexInformer<StatefulSet>> statefulSets = new ConcurrentHashMap<>();
    private final Map<String, SharedIndexInformer<Deployment>> deployments = new ConcurrentHashMap<>();
    private final Map<PodScope, SharedIndexInformer<Pod>> pods = new ConcurrentHashMap<>();
    private final PodWrites writes = new PodWrites();
    private boolean closed;

    WorkloadInformers(KubernetesClient client, List<Workload> workloads) {
        this.client = client;
        this.workloads = List.copyOf(workloads);
    }

    /** Starts the workload informers; returns at once (they list and watch in the background). */
    void start() {
        for (String namespace : namespaces(WorkloadKind.STATEFUL_SET)) {
            statefulSets.put(namespace, started(client.apps().statefulSets().inNamespace(namespace).runnableInformer(0),
                    new PodInformerStarter<>(WorkloadKind.STATEFUL_SET, s -> s.getSpec() == null ? null
                            : s.getSpec().getSelector()), "statefulsets in " + namespace));
        }
        for (String namespace : namespaces(WorkloadKind.DEPLOYMENT)) {
            deployments.put(namespace, started(client.apps().deployments().inNamespace(namespace).runnableInformer(0),
                    new PodInformerStarter<>(WorkloadKind.DEPLOYMENT, d -> d.getSpec() == null ? null
                            : d.getSpec().getSelector()), "deployments in " + namespace));
        }
    }

    /** The StatefulSet, from the cache when it can be trusted, else by a GET; null when it does not exist. */
    StatefulSet statefulSet(String namespace, String name) {
        SharedIndexInformer<StatefulSet> informer = statefulSets.get(namespace);
        if (trusted(informer)) {
            return informer.getIndexer().getByKey(namespace + "/" + name);
        }
        return client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    }

    /** The Deployment, from the cache when it can be trusted, else by a GET; null when it does not exist. */
    Deployment deployment(String namespace, String name) {
        SharedIndexInformer<Deployment> informer = deployments.get(namespace);
        if (trusted(informer)) {
            return informer.getIndexer().getByKey(namespace + "/" + name);
        }
        return client.apps().deployments().inNamespace(namespace).withName(name).get();
    }

    /** The pods matching {@code selector} (all of the namespace when empty), from the cache or by a LIST. */
    List<Pod> pods(String namespace, Map<String, String> selector) {
        SharedIndexInformer<Pod> informer = pods.get(new PodScope(namespace, selector));
        if (trusted(informer)) {
            List<Pod> cached = new ArrayList<>(informer.getStore().list());
            if (writes.allSeen(namespace, cached)) {
                // By name, as a LIST answers: the reviews see pods in the same order either way.
                cached.sort(Comparator.comparing(p -> p.getMetadata().getName()));
                return cached;
            }
        }
        var inNamespace = client.pods().inNamespace(namespace);
        return (selector.isEmpty() ? inNamespace.list() : inNamespace.withLabels(selector).list()).getItems();
    }

    /** The hook changed {@code pod} (the API server's answer): reads wait for the watch to bring it back. */
    void wrote(Pod pod) {
        writes.wrote(pod);
    }

    /** Synced and watching; an informer that never started (or is reconnecting) is not. */
    private static boolean trusted(SharedIndexInformer<?> informer) {
        return informer != null && informer.hasSynced() && informer.isWatching();
    }

    private List<String> namespaces(WorkloadKind kind) {
        return workloads.stream().filter(w -> w.kind() == kind).map(Workload::namespace).distinct().toList();
    }

    private <T extends HasMetadata> SharedIndexInformer<T> started(SharedIndexInformer<T> informer,
                                                                   ResourceEventHandler<? super T> handler,
                                                                   String what) {
        informer.addEventHandler(handler);
        // Keep retrying (with the client's backoff) whatever failed, unless the objects cannot be
        // read at all: until it works, reads fall back to GET/LIST.
        informer.exceptionHandler((started, error) -> {
            LOG.warn("scale-down hook: watching {} failed ({}); reads use GET/LIST until it works again: {}",
                    what, started ? "will reconnect" : "will retry", error.toString());
            return !ExceptionHandler.isDeserializationException(error);
        });
        informer.start().whenComplete((ok, error) -> {
            if (error == null) {
                LOG.info("scale-down hook: watching {}", what);
            }
        });
        return informer;
    }

    /** Starts the pod informer of a guarded workload's selector when the workload is seen. */
    private final class PodInformerStarter<T extends HasMetadata> implements ResourceEventHandler<T> {

        private final WorkloadKind kind;
        private final Function<T, LabelSelector> selectorOf;

        PodInformerStarter(WorkloadKind kind, Function<T, LabelSelector> selectorOf) {
            this.kind = kind;
            this.selectorOf = selectorOf;
        }

        @Override
        public void onAdd(T workload) {
            seen(workload);
        }

        @Override
        public void onUpdate(T before, T workload) {
            seen(workload);
        }

        @Override
        public void onDelete(T workload, boolean finalStateUnknown) {
            // The pod informer stays: a workload recreated with the same name keeps its selector,
            // usually; one with another selector gets another informer (the old one idles).
        }

        private void seen(T workload) {
            String namespace = workload.getMetadata().getNamespace();
            String name = workload.getMetadata().getName();
            boolean guarded = workloads.stream().anyMatch(w -> w.kind() == kind && w.namespace().equals(namespace)
                    && w.name().equals(name));
            if (!guarded) {
                return;
            }
            // The labels the reviews select pods by (matchLabels only, as KubernetesWorkloadCluster).
            LabelSelector selector = selectorOf.apply(workload);
            Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of()
                    : Map.copyOf(selector.getMatchLabels());
            // Under the lock close() sets closed under: no informer starts after close took its list.
            synchronized (WorkloadInformers.this) {
                if (closed) {
                    return;
                }
                pods.computeIfAbsent(new PodScope(namespace, labels), scope -> {
                    var inNamespace = client.pods().inNamespace(namespace);
                    return started(labels.isEmpty() ? inNamespace.runnableInformer(0)
                            : inNamespace.withLabels(labels).runnableInformer(0), writes, "pods of "
                            + kind.configName() + " " + namespace + "/" + name + " " + labels);
                });
            }
        }
    }

    /** Stops the pod informers, then the workload informers (the reverse of their start). */
    @Override
    public void close() {
        List<SharedIndexInformer<?>> all = new ArrayList<>(statefulSets.values());
        all.addAll(deployments.values());
        synchronized (this) {
            closed = true;
            all.addAll(pods.values());
        }
        Collections.reverse(all);
        // Outside the lock: stopping may wait for a handler that waits for the lock.
        all.forEach(SharedIndexInformer::close);
    }

    /** For tests and logs: the scopes of the pod informers started so far. */
    Set<String> podScopes() {
        return pods.keySet().stream().map(s -> s.namespace() + " " + s.selector()).collect(Collectors.toSet());
    }
}
