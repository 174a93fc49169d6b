package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which pods of a Deployment should go: a Deployment (its ReplicaSet) removes the pods with the
 * lowest {@code controller.kubernetes.io/pod-deletion-cost}, so the hook chooses them and sets it.
 *
 * <p><b>Cost</b> of removing a pod = 10 × tasks it runs + 1 × tasks it has prefetched. Running
 * tasks under Celery's early ack are lost if the worker is killed; prefetched ones go back to the
 * queue, but delay. (Run times are not weighed yet: Celery's {@code time_start} is the worker
 * host's monotonic clock.) A pod that is not running, or whose worker is gone, costs 0; a worker
 * that did not answer costs the most (its load is unknown).
 */
final class DeploymentVictims {

    static final int RUNNING_WEIGHT = 10;
    static final int UNKNOWN = Integer.MAX_VALUE;

    private DeploymentVictims() {
    }

    /** Cost of a pod from its worker's load; null load = did not answer. */
    static int cost(boolean live, WorkerLoad load) {
        if (!live) {
            return 0;
        }
        if (load == null) {
            return UNKNOWN;
        }
        long cost = (long) RUNNING_WEIGHT * load.running().size() + load.prefetched();
        return (int) Math.min(cost, UNKNOWN - 1);
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
