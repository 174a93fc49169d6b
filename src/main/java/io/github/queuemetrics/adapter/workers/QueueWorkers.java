package io.github.queuemetrics.adapter.workers;

/**
 * What the workers of one queue are doing, as worker tracking sees it.
 *
 * @param running      tasks of the queue executing now, or -1 when the broker already counts them
 *                     (RQ's started registry) and tracking must not override the source
 * @param unseenByBroker running tasks in no broker count (Celery's early ack: acknowledged when
 *                     they start); they are added to {@code queue_outstanding} so each task counts once
 * @param prefetched   tasks delivered to the workers and not started (Celery's {@code reserved} and
 *                     {@code scheduled}); -1 when not tracked
 * @param total        live workers consuming the queue
 * @param busy         those executing at least one task
 * @param utilization  busy task slots / all task slots of those workers over the last minute
 * @param started      tasks of the queue the workers started since tracking began, cumulative (Celery's
 *                     heartbeat counter {@code processed}, split over the queues each worker consumes);
 *                     -1 when not tracked
 * @param accountsForEveryConsumer true when every consumer the broker counts on the queue is a worker
 *                     that answered: the workers' prefetched count is then the whole of it, and
 *                     fresher than the broker's (RabbitMQ's management API lags); when false, it
 *                     never replaces a higher broker count
 */
public record QueueWorkers(long running, long unseenByBroker, long prefetched, int total, int busy,
                           double utilization, double started, boolean accountsForEveryConsumer) {

    public QueueWorkers(long running, long unseenByBroker, long prefetched, int total, int busy,
                        double utilization, double started) {
        this(running, unseenByBroker, prefetched, total, busy, utilization, started, true);
    }

    /** Without a started-task count (the broker or another tracker measures the flow). */
    public QueueWorkers(long running, long unseenByBroker, long prefetched, int total, int busy, double utilization) {
        this(running, unseenByBroker, prefetched, total, busy, utilization, -1);
    }

    public boolean countsStarts() {
        return started >= 0;
    }

    public boolean reportsRunning() {
        return running >= 0;
    }
}
