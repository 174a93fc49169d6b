package io.github.queuemetrics.adapter.source.rabbitmq;

/**
 * The history of one queue's cumulative publish counter ({@code message_stats.publish}), one
 * sample per poll, from which the publish time of the oldest ready message is interpolated.
 *
 * <p><b>Why it works.</b> Number the messages ever published into the queue 1, 2, ..., P. A FIFO
 * queue hands them out in that order, so after D first deliveries ({@code deliver_get - redeliver}:
 * consumer deliveries and basic.get, a redelivery of a requeued message not counted twice) the
 * head of the ready messages is message number {@code h = D + 1}, published when the counter went
 * from {@code h - 1} to {@code h}. The history holds (poll time, P) pairs; the publish time of
 * message {@code h} is interpolated linearly between the last sample with {@code P < h} and the
 * first with {@code P >= h}. {@code messages_ready} only says whether anything waits.
 *
 * <p><b>Why not {@code h = P - R + 1}</b> (R = {@code messages_ready}), which would also survive
 * purges: on 3.10 the publish counter (emitted when the publishing channel emits, or closes) and
 * {@code messages_ready} (emitted by the queue) arrive up to 5 s apart, and a burst counted before
 * the ready count catches up moves that head onto the burst: seen in RabbitMqOldestAgeIT, a 15 s old
 * head reported as 1 s old for 5 s. D only moves with real deliveries.
 *
 * <p><b>Messages that leave without a delivery</b> (purge, TTL expiry, overflow drop-head) are
 * invisible to D and would make every later estimate too old. They are accounted for whenever the
 * queue is settled (P, D and R unchanged for {@link #LAG_MARGIN_MS}, so every statistic is from
 * after the last change): then {@code removed = max(0, P - D - R)} and {@code h = D + removed + 1}.
 * A queue that keeps losing messages to TTL while never settling is over-estimated.
 *
 * <p><b>Memory.</b> One {@code long[]} of interleaved (time in epoch ms, count) pairs, grown on
 * demand up to {@code maxSamples + 1} pairs; an empty or idle queue keeps two or three samples.
 * Samples older than the one that brackets the head (and than 10 s) are dropped at each update;
 * when the history is still full, the middle sample whose removal moves its own interpolated time
 * the least is merged away (the first and the last are always kept), so steady stretches collapse
 * first and bursts keep their edges. A run of equal counts keeps only its first and last sample.
 *
 * <p>Not thread-safe: one poll at a time updates it.
 */
final class PublishHistory {

    /** Default bound of samples kept per queue. */
    static final int DEFAULT_MAX_SAMPLES = 64;

    private static final int INITIAL_SAMPLES = 4;

    /** Two statistics intervals (collect_statistics_interval, 5 s by default). */
    static final long LAG_MARGIN_MS = 10_000;

    /** data[2i] = poll time in epoch milliseconds, data[2i+1] = publish count then; non-decreasing. */
    private long[] data = new long[2 * INITIAL_SAMPLES];
    private int size;
    /** First deliveries (deliver_get - redeliver) and ready count at the previous update. */
    private long lastDelivered = -1;
    private long lastReady = -1;
    /** When P, D or R last changed (epoch ms). */
    private long changedAt;
    /** Messages that left the queue without a delivery, as of the last settled update. */
    private long removed;
    /** The poll generation that last updated this history (see {@link OldestAgeEstimator}). */
    int generation;

    /**
     * Records this poll's counter and returns the age in seconds of the oldest of the {@code ready}
     * messages at {@code nowMillis}: 0 for an empty queue, and, when the head was published before
     * the oldest kept sample, the age of that sample (a lower bound, see {@link #headPrecedesHistory}).
     * A counter that went down (broker restart, queue deleted and re-created) restarts the history.
     */
    double update(long nowMillis, long published, long delivered, long ready, int maxSamples) {
        long previousCount = size == 0 ? -1 : count(size - 1);
        if (delivered < lastDelivered) {
            size = 0; // counter reset (the publish counter's own reset is seen by append)
        }
        append(nowMillis, published, maxSamples);
        if (size == 1) {
            removed = 0; // a new or restarted history
            changedAt = nowMillis;
        } else if (published != previousCount || delivered != lastDelivered || ready != lastReady) {
            changedAt = nowMillis;
        } else if (nowMillis - changedAt >= LAG_MARGIN_MS) {
            removed = Math.max(0, published - delivered - Math.max(0, ready));
        }
        lastDelivered = delivered;
        lastReady = ready;
        long head = delivered + removed + 1;
        // Samples before the one bracketing the head are no longer needed, except those of the last
        // LAG_MARGIN_MS (statistics are emitted up to one interval apart: keep a margin).
        int keepFrom = Math.min(firstAtLeast(Math.min(head, published + 1)) - 1,
                lastAtOrBefore(nowMillis - LAG_MARGIN_MS));
        dropBefore(keepFrom);
        thin(maxSamples);
        return ready <= 0 ? 0 : ageSeconds(nowMillis, head);
    }

    /** Messages counted as gone without a delivery (purged, expired, dropped) at the last settled update. */
    long removed() {
        return removed;
    }

    /** Appends a sample (the counter as seen at this poll) without estimating anything. */
    void record(long nowMillis, long published, int maxSamples) {
        append(nowMillis, published, maxSamples);
        thin(maxSamples);
    }

    private void append(long nowMillis, long published, int maxSamples) {
        if (size > 0 && published < count(size - 1)) {
            size = 0; // counter reset: the old samples describe other messages
        }
        if (size >= 2 && count(size - 1) == published && count(size - 2) == published) {
            data[2 * (size - 1)] = nowMillis; // a flat run keeps its first and last sample only
            return;
        }
        if (2 * size == data.length) {
            // room for one more than the bound: the new sample is thinned away right after
            long[] grown = new long[2 * (int) Math.max(size + 1, Math.min(2L * size, maxSamples + 1L))];
            System.arraycopy(data, 0, grown, 0, data.length);
            data = grown;
        }
        data[2 * size] = nowMillis;
        data[2 * size + 1] = published;
        size++;
    }

    /**
     * Age in seconds at {@code nowMillis} of message number {@code head}. Between two samples the
     * message is placed where a steady arrival would put it (the middle of its unit step), so a
     * single message seen between two polls is dated half-way between them.
     */
    double ageSeconds(long nowMillis, long head) {
        if (size == 0) {
            return Double.NaN;
        }
        int at = firstAtLeast(head);
        double publishedAt;
        if (at == 0) {
            publishedAt = time(0); // lower bound: published at or before the oldest sample
        } else if (at == size) {
            publishedAt = time(size - 1); // not counted yet (statistics lag): as young as can be told
        } else {
            long t0 = time(at - 1);
            long c0 = count(at - 1);
            long t1 = time(at);
            long c1 = count(at);
            publishedAt = t0 + (t1 - t0) * ((head - 0.5 - c0) / (c1 - c0));
        }
        return Math.max(0, (nowMillis - publishedAt) / 1000.0);
    }

    /** True when message {@code head} was published before the oldest sample: its age is a lower bound. */
    boolean headPrecedesHistory(long head) {
        return size > 0 && count(0) >= head;
    }

    int size() {
        return size;
    }

    long lastCount() {
        return count(size - 1);
    }

    long time(int i) {
        return data[2 * i];
    }

    long count(int i) {
        return data[2 * i + 1];
    }

    /** Bytes this object holds on a 64-bit JVM with compressed references (header + fields + array). */
    long retainedBytes() {
        return 56 + 16 + 8L * data.length;
    }

    /** Index of the first sample whose count is {@code >= n}, or size if none (counts are sorted). */
    private int firstAtLeast(long n) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (count(mid) >= n) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Index of the last sample taken at or before {@code millis}, or -1. */
    private int lastAtOrBefore(long millis) {
        int i = size - 1;
        while (i >= 0 && time(i) > millis) {
            i--;
        }
        return i;
    }

    private void dropBefore(int first) {
        if (first <= 0) {
            return;
        }
        System.arraycopy(data, 2 * first, data, 0, 2 * (size - first));
        size -= first;
        shrinkIfSparse();
    }

    /** Gives memory back once a backlog is gone (a queue that once held 64 samples and now 1). */
    private void shrinkIfSparse() {
        int capacity = data.length / 2;
        if (capacity > INITIAL_SAMPLES && 4 * size <= capacity) {
            long[] smaller = new long[2 * Math.max(INITIAL_SAMPLES, 2 * size)];
            System.arraycopy(data, 0, smaller, 0, 2 * size);
            data = smaller;
        }
    }

    /** Merges middle samples away until at most {@code maxSamples} remain. */
    private void thin(int maxSamples) {
        while (size > Math.max(2, maxSamples)) {
            int victim = 1;
            double least = Double.MAX_VALUE;
            for (int i = 1; i < size - 1; i++) {
                double error = removalError(i);
                if (error < least) {
                    least = error;
                    victim = i;
                }
            }
            System.arraycopy(data, 2 * (victim + 1), data, 2 * victim, 2 * (size - victim - 1));
            size--;
        }
    }

    /** How far (ms) sample i lies from the line through its neighbours: what removing it costs. */
    private double removalError(int i) {
        long ca = count(i - 1);
        long cc = count(i + 1);
        if (ca == cc) {
            return 0; // inside a flat run: no message is dated by it
        }
        long ta = time(i - 1);
        double interpolated = ta + (time(i + 1) - ta) * ((double) (count(i) - ca) / (cc - ca));
        return Math.abs(time(i) - interpolated);
    }
}
