package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods the hook wrote (drain annotations, deletion cost) that the watch has not brought back
 * yet, so a review right after a write reads its own write: while one of a namespace is pending,
 * {@link WorkloadInformers} LISTs that namespace's pods instead of reading the cache. A write is
 * seen when a pod informer delivers (or its cache holds) the resourceVersion the API server
 * answered the write with, when the pod is deleted, or after {@link #PATIENCE_NANOS} (a watch that
 * relisted past it never delivers that version; the LIST stays correct meanwhile).
 */
final class PodWrites implements ResourceEventHandler<Pod> {

    static final long PATIENCE_NANOS = 5_000_000_000L;

    /** What the API server answered a write with. */
    private record Written(String resourceVersion, long atNanos) {
    }

    /** By namespace, then pod name. */
    private final Map<String, Map<String, Written>> pending = new ConcurrentHashMap<>();
    private final long patienceNanos;

    PodWrites() {
        this(PATIENCE_NANOS);
    }

    PodWrites(long patienceNanos) {
        this.patienceNanos = patienceNanos;
    }

    void wrote(Pod pod) {
        if (pod == null || pod.getMetadata() == null || pod.getMetadata().getResourceVersion() == null) {
            return;
        }
        pending.computeIfAbsent(pod.getMetadata().getNamespace(), ns -> new ConcurrentHashMap<>())
                .put(pod.getMetadata().getName(), new Written(pod.getMetadata().getResourceVersion(), System.nanoTime()));
    }

    /** True when no write to a pod of {@code namespace} is still on its way to the cache that read {@code cached}. */
    boolean allSeen(String namespace, List<Pod> cached) {
        Map<String, Written> inNamespace = pending.get(namespace);
        if (inNamespace == null || inNamespace.isEmpty()) {
            return true;
        }
        for (Pod pod : cached) {
            seen(pod);
        }
        long now = System.nanoTime();
        inNamespace.values().removeIf(w -> now - w.atNanos() > patienceNanos);
        return inNamespace.isEmpty();
    }

    @Override
    public void onAdd(Pod pod) {
        seen(pod);
    }

    @Override
    public void onUpdate(Pod before, Pod pod) {
        seen(pod);
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
        Map<String, Written> inNamespace = pending.get(pod.getMetadata().getNamespace());
        if (inNamespace != null) {
            inNamespace.remove(pod.getMetadata().getName());
        }
    }

    private void seen(Pod pod) {
        Map<String, Written> inNamespace = pending.get(pod.getMetadata().getNamespace());
        if (inNamespace != null) {
            String version = pod.getMetadata().getResourceVersion();
            inNamespace.computeIfPresent(pod.getMetadata().getName(),
                    (name, written) -> written.resourceVersion().equals(version) ? null : written);
        }
    }
}
