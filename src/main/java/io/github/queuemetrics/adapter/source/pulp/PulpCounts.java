package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;

/**
 * The incomplete tasks of one item, read in one query.
 *
 * @param ready            waiting and runnable (unblocked), or every waiting task before Pulp 3.48
 * @param blocked          waiting on resource locks; null where {@code unblocked_at} does not exist
 * @param waiting          every waiting task
 * @param running          running and canceling (a canceling task still occupies its worker)
 * @param oldestAgeSeconds age of the oldest waiting task by the database's clock, 0 when none waits
 * @param arrived          tasks created since the previous poll, in any state now
 */
record PulpCounts(long ready, Long blocked, long waiting, long running, double oldestAgeSeconds, long arrived) {

    /** An item that has no incomplete task now (a known domain or task name). */
    static PulpCounts idle(boolean blockedKnown) {
        return new PulpCounts(0, blockedKnown ? 0L : null, 0, 0, 0, 0);
    }

    long outstanding() {
        return waiting + running; // states are exclusive: each task once
    }

    QueueSample toSample(String source, String item) {
        QueueSample.Builder b = QueueSample.builder(source, item)
                .value(QueueMetric.READY, ready)
                .value(QueueMetric.RUNNING, running)
                .value(QueueMetric.OUTSTANDING, outstanding())
                .value(QueueMetric.OLDEST_AGE_SECONDS, oldestAgeSeconds);
        if (blocked != null) {
            b.value(QueueMetric.BLOCKED, blocked);
        }
        return b.build();
    }
}
