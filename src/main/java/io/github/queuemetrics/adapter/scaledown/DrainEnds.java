package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes the end of a drain in {@code adapter_drain_seconds}, once per drain across replicas. A
 * drain ends when the scale-down that wanted its pod is allowed (its worker idle, or drainTimeout
 * passed) or when the pod's pre-stop wait ends (idle or timeout); it lasted from the mark's
 * {@code draining-since} (on the pod, so the replica that sees the end need not be the one that
 * started it) to then. An undone drain did not end this way and is not observed (it is counted as
 * {@code adapter_drains_total{event="undone"}}). The pod's {@code drain-ended} annotation says the end
 * was observed; a replica that reads it observes nothing. Blocking.
 */
final class DrainEnds {

    private static final Logger LOG = LoggerFactory.getLogger(DrainEnds.class);

    private final WorkloadCluster cluster;
    private final ScaleDownMetrics metrics;

    DrainEnds(WorkloadCluster cluster, ScaleDownMetrics metrics) {
        this.cluster = cluster;
        this.metrics = metrics;
    }

    /**
     * The drain of {@code pod} that started at {@code since} ended at {@code now}; {@code before} is
     * the mark the pod had when it was read (empty for a drain that started in this same review).
     */
    void ended(Workload workload, String pod, Optional<DrainMark> before, Instant since, Instant now) {
        if (before.isPresent() && before.get().ended()) {
            return;
        }
        metrics.drainEnded(workload, Duration.between(since, now));
        try {
            cluster.markDrainEnded(workload.namespace(), pod, new DrainMark(since, java.util.List.of(), now, true));
        } catch (RuntimeException e) {
            // Another replica may observe this drain again; the answer does not change.
            LOG.warn("{}: could not record on pod {} that its drain ended: {}", workload.describe(), pod, e.toString());
        }
    }
}
