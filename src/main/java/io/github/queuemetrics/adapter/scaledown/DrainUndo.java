package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a drained pod back its work: {@code add_consumer} for each queue it was drained of, then the
 * annotations removed (in this order: if the adapter dies in between, the annotation is still there
 * and the next undo repeats the idempotent add_consumer). Blocking.
 */
final class DrainUndo {

    private static final Logger LOG = LoggerFactory.getLogger(DrainUndo.class);

    private final WorkloadCluster cluster;
    private final DrainMarks marks;
    private final ScaleDownMetrics metrics;

    DrainUndo(WorkloadCluster cluster, DrainMarks marks, ScaleDownMetrics metrics) {
        this.cluster = cluster;
        this.marks = marks;
        this.metrics = metrics;
    }

    /** Undoes the drain of {@code pod}; logs and returns false when it failed (the next attempt retries). */
    boolean undo(Workload workload, WorkerControl workers, String pod, DrainMark mark, String why) {
        String worker = workload.workerOf(pod);
        try {
            workers.resumeConsuming(worker, mark.queues());
            cluster.clearDraining(workload.namespace(), pod);
            marks.undrained(workload.namespace(), pod);
            metrics.drainUndone(workload);
            LOG.info("{}: undid the drain of pod {} ({}): worker {} consumes {} again", workload.describe(), pod, why,
                    worker, mark.queues());
            return true;
        } catch (RuntimeException e) {
            LOG.warn("{}: undoing the drain of pod {} failed; retried later: {}", workload.describe(), pod,
                    e.toString());
            return false;
        }
    }
}
