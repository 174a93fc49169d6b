package io.github.queuemetrics.adapter.source.rabbitmq;

/**
 * One queue as {@code GET /api/queues/{vhost}} reports it (only the columns this adapter asks for),
 * or as the Prometheus plugin's scrape does ({@link PrometheusQueueClient}: the counts, no rates).
 *
 * <p>Counts are {@link #UNKNOWN} when the answer lacks them: the management plugin lists a queue
 * as soon as it exists, but its counters only after the queue's first statistics emission
 * (every {@code collect_statistics_interval}, 5 s by default), and a queue whose node is down has
 * none. Such a queue is not empty, it is unmeasured, so it must not become 0.
 *
 * <p>Rates are tasks per second. The plugin omits {@code message_stats} (or one of its
 * {@code *_details}) for a queue that has had no such traffic in the retained window; for a queue
 * that exists, that absence means 0 and is stored as 0. A negative rate (the plugin's answer after
 * a counter reset) is stored as {@link Double#NaN}: unknown, so the rate metric is left absent for
 * that poll rather than served negative (the API cannot) or clamped to 0 (possibly below the truth).
 *
 * @param ready          {@code messages_ready}: waiting, not yet delivered
 * @param unacked        {@code messages_unacknowledged}: delivered, not yet acknowledged
 * @param consumers      {@code consumers}
 * @param publishRate    {@code message_stats.publish_details}: messages entering the queue per second
 * @param ackRate        {@code message_stats.ack_details}: acknowledgements per second
 * @param published      {@code message_stats.publish}: messages ever published into the queue
 *                       (since it was declared or the broker started), {@link #UNKNOWN} when absent
 *                       (not emitted yet, or no publish ever)
 * @param delivered      {@code message_stats.deliver_get - message_stats.redeliver}: first
 *                       deliveries and gets (a requeued message redelivered counts once), 0 when
 *                       the plugin reports neither
 */
record ManagementQueue(String name, String vhost, long ready, long unacked, long consumers,
                       double publishRate, double ackRate, long published, long delivered) {

    static final long UNKNOWN = -1;

    /** True when the plugin reported the message counts of this queue. */
    boolean countsKnown() {
        return ready != UNKNOWN && unacked != UNKNOWN;
    }
}
