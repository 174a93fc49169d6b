package io.github.queuemetrics.adapter.workers.rq;

import io.github.queuemetrics.adapter.model.QueueMetric;
import java.util.EnumMap;
import java.util.Map;

/**
 * The worker metrics of one queue after one poll.
 *
 * @param total       live workers (alive or drained) listing the queue
 * @param busy        those executing a job (state busy or a current job / execution)
 * @param utilization busy slots / all slots over the utilization window (RQ: one slot per worker);
 *                    0 when no worker listed the queue during the window (no slots, nothing busy)
 */
public record RqQueueWorkers(String queue, int total, int busy, double utilization) {

    /** workers_total, workers_busy, workers_utilization, ready for a QueueSample. */
    public Map<QueueMetric, Double> metrics() {
        Map<QueueMetric, Double> m = new EnumMap<>(QueueMetric.class);
        m.put(QueueMetric.WORKERS_TOTAL, (double) total);
        m.put(QueueMetric.WORKERS_BUSY, (double) busy);
        m.put(QueueMetric.WORKERS_UTILIZATION, utilization);
        return m;
    }
}
