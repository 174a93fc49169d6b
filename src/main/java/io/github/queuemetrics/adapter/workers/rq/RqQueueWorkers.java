package io.github.queuemetrics.adapter.workers.rq;

/**
 * The worker metrics of one queue after one poll.
 *
 * @param total       live workers (alive or drained) listing the queue
 * @param busy        those executing a job (state busy or a current job / execution)
 * @param utilization busy slots / all slots over the utilization window (RQ: one slot per worker);
 *                    0 when no worker listed the queue during the window (no slots, nothing busy)
 */
public record RqQueueWorkers(String queue, int total, int busy, double utilization) {
}
