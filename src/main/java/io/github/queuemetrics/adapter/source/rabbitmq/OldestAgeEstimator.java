package io.github.queuemetrics.adapter.source.rabbitmq;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code queue_oldest_age_seconds} for the management-API mode: one {@link PublishHistory} per
 * queue, fed by the {@code message_stats.publish}, {@code .deliver_get}, {@code .redeliver} and
 * {@code messages_ready} columns of the
 * listing the source already makes (no extra request, no peeking at messages: Celery sets no AMQP
 * {@code timestamp}, so {@code head_message_timestamp} is null).
 *
 * <p>Usage per vhost and poll: {@link #beginPoll}, {@link #ageSeconds} for each reported queue,
 * {@link #endPoll}, which forgets the queues not reported this time (deleted, or no longer
 * matching), so memory follows the current queue set.
 *
 * <p>Not thread-safe: a source's polls do not overlap.
 */
final class OldestAgeEstimator {

    private final int maxSamples;
    private final Map<String, VhostHistories> byVhost = new HashMap<>();

    OldestAgeEstimator() {
        this(PublishHistory.DEFAULT_MAX_SAMPLES);
    }

    OldestAgeEstimator(int maxSamples) {
        if (maxSamples < 2) {
            throw new IllegalArgumentException("maxSamples must be at least 2: " + maxSamples);
        }
        this.maxSamples = maxSamples;
    }

    private static final class VhostHistories {
        final Map<String, PublishHistory> queues = new HashMap<>();
        int generation;
    }

    void beginPoll(String vhost) {
        byVhost.computeIfAbsent(vhost, v -> new VhostHistories()).generation++;
    }

    /**
     * The age at {@code nowMillis} of the oldest ready message of one queue, or NaN when it cannot
     * be told this poll: counts not emitted yet, or a non-empty queue without a publish counter.
     * {@code published} and {@code ready} are {@link ManagementQueue#UNKNOWN} when absent;
     * {@code delivered} is {@code deliver_get - redeliver}, 0 when the plugin reports neither
     * (it omits counters of a queue that had no such traffic).
     */
    double ageSeconds(String vhost, String queue, long nowMillis, long published, long delivered, long ready) {
        VhostHistories histories = byVhost.get(vhost);
        if (histories == null) {
            throw new IllegalStateException("beginPoll(" + vhost + ") first");
        }
        PublishHistory history = histories.queues.get(queue);
        if (published == ManagementQueue.UNKNOWN && ready != ManagementQueue.UNKNOWN && ready > 0
                && history != null) {
            // The plugin can emit a queue's counts long before its publish counter (seen: 25 s on
            // a fresh vhost). Every ready message was published by now, so delivered + ready is a
            // lower bound of the counter: dating from it keeps the age close instead of absent,
            // and the real counter, once emitted, is at least as large.
            long floor = delivered + ready;
            published = Math.max(floor, history.size() == 0 ? 0 : history.lastCount());
        }
        if (history == null) {
            if (published == ManagementQueue.UNKNOWN && ready != 0) {
                return Double.NaN; // nothing to date it from yet
            }
            history = new PublishHistory();
            histories.queues.put(queue, history);
        }
        history.generation = histories.generation;
        if (published == ManagementQueue.UNKNOWN) {
            if (ready == 0) {
                // never published into (or the counter not emitted yet): nothing waits now, so
                // whatever waits later was published after now, which is worth a sample
                long count = history.size() == 0 ? 0 : history.lastCount();
                return history.update(nowMillis, count, Math.min(delivered, count), 0, maxSamples);
            }
            return Double.NaN; // the counter is emitted apart from the counts (seen both ways round on 3.10)
        }
        if (ready == ManagementQueue.UNKNOWN) {
            history.record(nowMillis, published, maxSamples);
            return Double.NaN;
        }
        return history.update(nowMillis, published, delivered, ready, maxSamples);
    }

    /** Forgets the queues of {@code vhost} that {@link #ageSeconds} was not asked about since {@link #beginPoll}. */
    void endPoll(String vhost) {
        VhostHistories histories = byVhost.get(vhost);
        if (histories != null) {
            int current = histories.generation;
            histories.queues.values().removeIf(h -> h.generation != current);
        }
    }

    /** Queues with a history (all vhosts). */
    int queueCount() {
        int n = 0;
        for (VhostHistories h : byVhost.values()) {
            n += h.queues.size();
        }
        return n;
    }

    /** The history of one queue, or null (tests). */
    PublishHistory history(String vhost, String queue) {
        VhostHistories histories = byVhost.get(vhost);
        return histories == null ? null : histories.queues.get(queue);
    }
}
