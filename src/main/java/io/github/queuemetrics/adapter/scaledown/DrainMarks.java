package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.workers.DrainingWorkers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods this adapter is draining, in memory, for the worker probes (a drained pod must read as
 * not ready: the ReplicaSet deletes not-ready pods first, and an idle-but-ready pod must not look
 * like a new candidate for work). A mark lapses {@code undoAfter} after the last review that asked
 * for the pod, so a pod name that comes back after a scale-down that bypassed the webhook does not
 * read as draining for ever. The pods' annotations stay the source of truth.
 */
public final class DrainMarks implements DrainingWorkers {

    private record Mark(String worker, String workload, Instant since, Instant lastAsked) {
    }

    private final Duration undoAfter;
    private final Map<String, Mark> byPod = new ConcurrentHashMap<>();

    public DrainMarks(Duration undoAfter) {
        this.undoAfter = undoAfter;
    }

    /** Records that a review asked to drain {@code namespace/pod} (whose worker is {@code worker}) now. */
    public void draining(String namespace, String pod, String worker, String workload, Instant since, Instant now) {
        byPod.put(key(namespace, pod), new Mark(worker, workload, since, now));
    }

    public void undrained(String namespace, String pod) {
        byPod.remove(key(namespace, pod));
    }

    @Override
    public Optional<String> drainingPod(String namespace, String pod, Instant now) {
        return reason(byPod.get(key(namespace, pod)), namespace + "/" + pod, now);
    }

    @Override
    public Optional<String> drainingWorker(String worker, Instant now) {
        for (Map.Entry<String, Mark> e : byPod.entrySet()) {
            if (e.getValue().worker().equals(worker)) {
                return reason(e.getValue(), e.getKey(), now);
            }
        }
        return Optional.empty();
    }

    private Optional<String> reason(Mark mark, String pod, Instant now) {
        if (mark == null || !mark.lastAsked().plus(undoAfter).isAfter(now)) {
            return Optional.empty();
        }
        return Optional.of("draining: worker " + mark.worker() + " of pod " + pod + " takes no new tasks since "
                + mark.since() + " (scale-down of " + mark.workload() + ")");
    }

    private static String key(String namespace, String pod) {
        return namespace + "/" + pod;
    }
}
