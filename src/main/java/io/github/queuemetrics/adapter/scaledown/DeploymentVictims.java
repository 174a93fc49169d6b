package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.scaledown.WorkerControl.RunningTask;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which pods of a Deployment should go: a Deployment (its ReplicaSet) removes the pods with the
 * lowest {@code controller.kubernetes.io/pod-deletion-cost}, so the hook chooses them and sets it.
 *
 * <p><b>Cost</b> of removing a pod = sum over the tasks it runs of (60 + seconds the task has run,
 * at most 86400) + 1 × tasks it has prefetched, capped at 2^31 - 2 (an int32, as the annotation).
 * A task's cost grows with its run time because that is the work lost (or, with the hook, waited
 * for) if its pod is chosen: one task that ran 10 minutes (660) outweighs two that ran 5 s (130).
 * The base 60 makes a task that just started still worth a minute of work over a prefetched one,
 * which only goes back to the queue. A task whose start is unknown counts the base only. Run times
 * are only as good as their source: RQ's {@code started_at} (wall clock), Celery's task-started
 * event, else the time the adapter first saw the task running ({@link CeleryTaskStarts}: a lower
 * bound). A pod that is not running, or whose worker is gone, costs 0; a worker that did not
 * answer costs the most (its load is unknown).
 */
final class DeploymentVictims {

    /** What a running task costs however short it ran so far: a minute of work. */
    static final int RUNNING_WEIGHT = 60;
    /** Run time counted per task at most: beyond a day a task's length says nothing more. */
    static final long MAX_RUN_SECONDS = 86_400;
    static final int UNKNOWN = Integer.MAX_VALUE;

    private DeploymentVictims() {
    }

    /** Cost of a pod from its worker's load at {@code now}; null load = did not answer. */
    static int cost(boolean live, WorkerLoad load, Instant now) {
        if (!live) {
            return 0;
        }
        if (load == null) {
            return UNKNOWN;
        }
        long cost = load.prefetched();
        for (RunningTask task : load.running()) {
            cost += RUNNING_WEIGHT + runSeconds(task, now);
        }
        return (int) Math.min(cost, UNKNOWN - 1);
    }

    /** Whole seconds {@code task} has run, 0 when unknown or in the future (clock skew). */
    static long runSeconds(RunningTask task, Instant now) {
        if (task.startedAt() == null || !task.startedAt().isBefore(now)) {
            return 0;
        }
        return Math.min(MAX_RUN_SECONDS, Duration.between(task.startedAt(), now).toSeconds());
    }

    /**
     * The {@code count} pods to remove: those already drained first (draining more would only cost
     * more), then the cheapest, ties by name.
     */
    static List<String> choose(Map<String, Integer> costs, Set<String> drained, int count) {
        List<String> order = new ArrayList<>(costs.keySet());
        order.sort(Comparator.<String, Boolean>comparing(p -> !drained.contains(p))
                .thenComparing(costs::get).thenComparing(Comparator.naturalOrder()));
        return List.copyOf(order.subList(0, Math.min(Math.max(count, 0), order.size())));
    }
}
