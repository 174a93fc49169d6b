package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One management listing of a vhost ({@code GET /api/queues/{vhost}}, all pages) turned into the
 * samples of the selected queues: counts, the two rates and the oldest age. The management-only
 * mode polls it directly; the {@code prometheusUri} mode runs it in the background for its rates
 * and ages only ({@link BackgroundManagementListing}).
 *
 * <p>Not thread-safe: one caller at a time (polls are serial, background listings one at a time).
 */
final class ManagementListing {

    private final String source;
    private final QueueSelection selection;
    private final ManagementApiClient management;
    private final OldestAgeEstimator oldestAge = new OldestAgeEstimator();
    /** queuePattern: the queues of the last listing per vhost. */
    private final Map<String, List<String>> discovered = new HashMap<>();
    private final Clock clock;

    /** @param clock dates the publish counter's samples ({@link PublishHistory}) */
    ManagementListing(String source, QueueSelection selection, ManagementApiClient management, Clock clock) {
        this.source = source;
        this.selection = selection;
        this.management = management;
        this.clock = clock;
    }

    /**
     * The samples of {@code vhost}: every configured queue (0 for one the broker does not have), or
     * every queue the pattern discovers. Throws when the management API fails: never a partial list.
     */
    List<QueueSample> list(String vhost) throws IOException, InterruptedException {
        // queues that existed before this listing: looked up by name if paging skipped them
        Collection<String> expected = selection.isFixed()
                ? selection.fixedQueues() : discovered.getOrDefault(vhost, List.of());
        List<ManagementQueue> listed = management.listQueues(vhost, expected);
        long listedAt = clock.millis();
        List<QueueSample> out = new ArrayList<>();
        oldestAge.beginPoll(vhost);
        if (selection.isFixed()) {
            Map<String, ManagementQueue> byName = new HashMap<>(listed.size() * 2);
            for (ManagementQueue q : listed) {
                byName.put(q.name(), q);
            }
            for (String queue : selection.fixedQueues()) {
                ManagementQueue q = byName.get(queue);
                out.add(q != null ? sample(q, vhost, listedAt) : missing(source, queue, vhost));
            }
        } else {
            List<String> names = new ArrayList<>();
            for (ManagementQueue q : listed) { // each queue once (ManagementApiClient)
                if (selection.discovers(q.name())) {
                    out.add(sample(q, vhost, listedAt));
                    names.add(q.name());
                }
            }
            discovered.put(vhost, names);
        }
        oldestAge.endPoll(vhost); // forgets the histories of queues that are gone or not reported
        return out;
    }

    private QueueSample sample(ManagementQueue q, String vhost, long listedAt) {
        QueueSample.Builder b = counts(source, q, vhost);
        // arrival = publishes into the queue. completion = acks: Celery acks a task when it
        // starts by default (so this is "tasks started per second"), and when it finished with
        // acks_late. Absent message_stats on an existing queue means no such traffic: 0.
        // A negative rate from the plugin (counter reset) arrives as NaN: absent for this poll.
        if (!Double.isNaN(q.publishRate())) {
            b.value(QueueMetric.ARRIVAL_RATE, q.publishRate());
        }
        if (!Double.isNaN(q.ackRate())) {
            b.value(QueueMetric.COMPLETION_RATE, q.ackRate());
        }
        // dated from the publish counter's history: see PublishHistory for the method and limits
        double age = oldestAge.ageSeconds(vhost, q.name(), listedAt, q.published(), q.delivered(), q.ready());
        if (!Double.isNaN(age)) {
            b.value(QueueMetric.OLDEST_AGE_SECONDS, age);
        }
        return b.build();
    }

    /**
     * A sample of {@code q} with its counts, each only when known (a queue without its first
     * statistics is unmeasured, not empty); the Prometheus mode's look-ups take just these.
     */
    static QueueSample.Builder counts(String source, ManagementQueue q, String vhost) {
        QueueSample.Builder b = QueueSample.builder(source, q.name()).label(QueueSample.LABEL_VHOST, vhost);
        if (q.countsKnown()) {
            b.value(QueueMetric.READY, q.ready());
            b.value(QueueMetric.UNACKED, q.unacked());
            // outstanding = ready + unacked. Tasks executing under Celery's default early ack are
            // in neither count (acked at start); worker tracking adds them, with queue_running,
            // via QueueSample.with(OUTSTANDING, ready + unacked + running-early-acked).
            b.value(QueueMetric.OUTSTANDING, q.ready() + q.unacked());
        }
        if (q.consumers() != ManagementQueue.UNKNOWN) {
            b.value(QueueMetric.CONSUMERS, q.consumers());
        }
        return b;
    }

    /** A configured queue the broker does not have: 0 for every metric the management API measures (the contract's rule). */
    static QueueSample missing(String source, String queue, String vhost) {
        return QueueSample.builder(source, queue).label(QueueSample.LABEL_VHOST, vhost)
                .value(QueueMetric.READY, 0)
                .value(QueueMetric.UNACKED, 0)
                .value(QueueMetric.OUTSTANDING, 0)
                .value(QueueMetric.CONSUMERS, 0)
                .value(QueueMetric.ARRIVAL_RATE, 0)
                .value(QueueMetric.COMPLETION_RATE, 0)
                .value(QueueMetric.OLDEST_AGE_SECONDS, 0)
                .build();
    }
}
