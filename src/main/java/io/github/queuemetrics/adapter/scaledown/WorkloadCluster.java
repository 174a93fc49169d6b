package io.github.queuemetrics.adapter.scaledown;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the hook reads and writes in Kubernetes. Blocking: called on the worker pool. The drain state
 * lives on the pods (annotations), so another adapter replica, or this one restarted, continues
 * where a drain stands.
 */
public interface WorkloadCluster {

    /** A StatefulSet's shape, or empty when it does not exist. */
    Optional<StatefulSetShape> statefulSet(String namespace, String name);

    /** The StatefulSet's pods (by its selector), by pod name. */
    Map<String, PodState> pods(String namespace, StatefulSetShape statefulSet);

    /** A Deployment's shape, or empty when it does not exist. */
    Optional<DeploymentShape> deployment(String namespace, String name);

    /** The pods matching {@code selector} that are not terminating (a terminating pod is already going), by name. */
    Map<String, PodState> podsMatching(String namespace, Map<String, String> selector);

    /** Sets {@code controller.kubernetes.io/pod-deletion-cost} on {@code pod}. */
    void setDeletionCost(String namespace, String pod, int cost);

    /** Marks {@code pod} as draining: the mark's time and the queues its worker no longer consumes. */
    void markDraining(String namespace, String pod, DrainMark mark);

    /**
     * Records on {@code pod} that the duration of its drain {@code mark} was observed (the drain
     * ended: its scale-down was allowed, or its pre-stop wait ended), so no replica observes it again.
     */
    void markDrainEnded(String namespace, String pod, DrainMark mark);

    /** Removes the drain mark of {@code pod}; a pod that is gone is not an error. */
    void clearDraining(String namespace, String pod);

    /**
     * Records a Kubernetes event on the workload ({@code kubectl describe} shows it).
     *
     * @param warning Warning, else Normal
     */
    void event(String namespace, String kind, String name, boolean warning, String reason, String message);

    /**
     * @param name          the StatefulSet's name (its pods are {@code name-<ordinal>})
     * @param replicas      {@code spec.replicas}
     * @param ordinalsStart {@code spec.ordinals.start}, 0 when unset
     * @param selector      {@code spec.selector.matchLabels}
     */
    record StatefulSetShape(String name, int replicas, int ordinalsStart, Map<String, String> selector) {
    }

    /**
     * @param name     the Deployment's name
     * @param replicas {@code spec.replicas}
     * @param selector {@code spec.selector.matchLabels}
     */
    record DeploymentShape(String name, int replicas, Map<String, String> selector) {
    }

    /**
     * @param name         the pod's name
     * @param running      phase Running: its worker may hold tasks
     * @param drain        the drain mark on it, if any
     * @param deletionCost its {@code controller.kubernetes.io/pod-deletion-cost}, if set (and an int)
     */
    record PodState(String name, boolean running, Optional<DrainMark> drain, Optional<Integer> deletionCost) {

        /** A pod without a deletion cost. */
        public PodState(String name, boolean running, Optional<DrainMark> drain) {
            this(name, running, drain, Optional.empty());
        }
    }

    /**
     * A drain, as kept in the pod's annotations.
     *
     * @param since     when the drain started: drainTimeout counts from here
     * @param queues    the queues the worker was made to stop consuming (they are given back on undo)
     * @param lastAsked the last review that asked for this pod to go: undoAfter counts from here
     * @param ended     the drain's end was observed (its duration is in {@code adapter_drain_seconds})
     */
    record DrainMark(Instant since, List<String> queues, Instant lastAsked, boolean ended) {
        public DrainMark {
            queues = List.copyOf(queues);
        }

        /** A drain whose end has not been observed. */
        public DrainMark(Instant since, List<String> queues, Instant lastAsked) {
            this(since, queues, lastAsked, false);
        }

        /** A drain asked for once, at {@code since}. */
        public DrainMark(Instant since, List<String> queues) {
            this(since, queues, since);
        }
    }
}
