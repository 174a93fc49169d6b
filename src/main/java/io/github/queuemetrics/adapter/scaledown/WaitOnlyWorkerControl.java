package io.github.queuemetrics.adapter.scaledown;

import java.util.List;
import java.util.Optional;

/**
 * Workers that cannot be told to stop taking tasks one by one (RQ, Pulp): a drain only marks the
 * pod (its probe reads "draining") and the hook waits while a victim runs something. The
 * guarantee this gives is in the README ("RQ workers", "Pulp workers").
 */
abstract class WaitOnlyWorkerControl implements WorkerControl {

    /** Nothing to cancel: the worker consumes nothing the hook could give back. */
    @Override
    public final Optional<List<String>> consumedQueues(String worker) {
        return Optional.of(List.of());
    }

    @Override
    public final void stopConsuming(String worker, List<String> queues) {
        // No per-worker command exists; see the class comment.
    }

    @Override
    public final void resumeConsuming(String worker, List<String> queues) {
        // Nothing was stopped.
    }
}
