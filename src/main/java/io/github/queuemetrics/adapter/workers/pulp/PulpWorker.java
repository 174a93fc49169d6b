package io.github.queuemetrics.adapter.workers.pulp;

import java.util.Objects;

/**
 * One Pulp worker as its heartbeat row and the task linked to it read it, judged by the database's
 * clock (so the adapter's clock skew does not matter).
 *
 * @param name             Pulp's worker name, {@code pid@hostname}
 * @param alive            the heartbeat is newer than Pulp's timeout ({@code core_appstatus.ttl}, or
 *                         {@code WORKER_TTL} = 30 s for {@code core_worker})
 * @param heartbeatAgeSeconds seconds since the last heartbeat
 * @param timeoutSeconds   the timeout the heartbeat was judged by
 * @param task             the task the worker runs (state running or canceling), null when idle
 */
public record PulpWorker(String name, boolean alive, double heartbeatAgeSeconds, double timeoutSeconds,
                         RunningTask task) {

    /**
     * @param id   the task's {@code pulp_id}
     * @param name the task name, e.g. {@code pulp_rpm.app.tasks.synchronize}
     * @param item the item ({@code queue} label) the task counts under with the source's {@code groupBy}
     */
    public record RunningTask(String id, String name, String item) {
    }

    public PulpWorker {
        Objects.requireNonNull(name, "name");
    }

    public boolean busy() {
        return task != null;
    }

    /**
     * The host part of {@code pid@hostname}: the pod name in Kubernetes. Pulp takes the fully
     * qualified name, so a pod with a subdomain reads {@code pod.sub.ns.svc...}: only the first label
     * is the pod.
     */
    public String host() {
        int at = name.indexOf('@');
        String fqdn = at < 0 ? name : name.substring(at + 1);
        int dot = fqdn.indexOf('.');
        return dot < 0 ? fqdn : fqdn.substring(0, dot);
    }
}
