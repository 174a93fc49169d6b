package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pod as the pre-stop hook needs it: its state, labels and owners (to find its workload).
 * Blocking: called on the worker pool. Kept apart from {@link WorkloadCluster} so the reviewers'
 * seam (and its test fakes) stays as it is.
 */
public interface PodLookup {

    /** The pod, or empty when it does not exist. */
    Optional<PodFacts> pod(String namespace, String name);

    /** An entry of {@code metadata.ownerReferences}. */
    record Owner(String kind, String name) {
    }

    /**
     * @param state  name, phase Running, drain mark
     * @param labels {@code metadata.labels}
     * @param owners {@code metadata.ownerReferences}
     */
    record PodFacts(PodState state, Map<String, String> labels, List<Owner> owners) {
        public PodFacts {
            labels = Map.copyOf(labels);
            owners = List.copyOf(owners);
        }
    }
}
