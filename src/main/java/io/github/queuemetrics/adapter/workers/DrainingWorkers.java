package io.github.queuemetrics.adapter.workers;

import java.time.Instant;
import java.util.Optional;

/**
 * Workers that are being drained for a scale-down (the pre-scale-down hook marks them): their
 * probes answer 503 with the returned reason, so a drained pod reads as not ready. In memory, no I/O.
 */
public interface DrainingWorkers {

    DrainingWorkers NONE = new DrainingWorkers() {
        @Override
        public Optional<String> drainingPod(String namespace, String pod, Instant now) {
            return Optional.empty();
        }

        @Override
        public Optional<String> drainingWorker(String worker, Instant now) {
            return Optional.empty();
        }
    };

    /** Why the worker of {@code namespace/pod} is draining, or empty when it is not. */
    Optional<String> drainingPod(String namespace, String pod, Instant now);

    /** Why {@code worker} is draining, or empty when it is not. */
    Optional<String> drainingWorker(String worker, Instant now);
}
