package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

class OldestAgeEstimatorTest {

    private static final long UNKNOWN = ManagementQueue.UNKNOWN;

    @Test
    void unknownCountsOrCounterGiveNoValueExceptForAnEmptyQueue() {
        OldestAgeEstimator e = new OldestAgeEstimator();
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "fresh", 0, UNKNOWN, 0, UNKNOWN)).isNaN();
        assertThat(e.ageSeconds("v", "never-published", 0, UNKNOWN, 0, 0)).isZero();
        assertThat(e.ageSeconds("v", "counter-not-emitted-yet", 0, UNKNOWN, 0, 3)).isNaN();
        assertThat(e.ageSeconds("v", "counts-not-emitted-yet", 0, 3, 0, UNKNOWN)).isNaN();
        e.endPoll("v");
        assertThat(e.queueCount()).as("a known counter or an empty queue starts a history").isEqualTo(2);
        // the sample recorded while the counts were unknown dates the messages later
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "counts-not-emitted-yet", 7_000, 3, 0, 3)).isEqualTo(7.0);
        // a queue never published into (no message_stats) dates its first messages from its empty polls
        assertThat(e.ageSeconds("v", "never-published", 7_000, UNKNOWN, 0, 0)).isZero();
        e.endPoll("v");
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "never-published", 17_000, 2, 0, 2)).as("published in (7 s, 17 s]")
                .isEqualTo((17_000 - (7_000 + 10_000 * 0.5 / 2)) / 1000.0);
        e.endPoll("v");
    }

    @Test
    void aPublishCounterEmittedLongAfterTheCountsIsBoundedByDeliveredPlusReady() {
        OldestAgeEstimator e = new OldestAgeEstimator();
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "q", 0, UNKNOWN, 0, 0)).isZero(); // empty, no counter yet
        e.endPoll("v");
        // 3 ready at 4 s, the counter still absent (seen for 25 s on a fresh vhost): published in (0, 4 s],
        // the first dated at the middle of its share of the interval, as every interpolation here
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "q", 4_000, UNKNOWN, 0, 3)).isEqualTo(4.0 - 4.0 * 0.5 / 3);
        e.endPoll("v");
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "q", 20_000, UNKNOWN, 0, 3)).isEqualTo(20.0 - 4.0 * 0.5 / 3);
        e.endPoll("v");
        // the counter appears with the same count: the dating stands, no reset
        e.beginPoll("v");
        assertThat(e.ageSeconds("v", "q", 29_000, 3, 0, 3)).isEqualTo(29.0 - 4.0 * 0.5 / 3);
        e.endPoll("v");
    }

    @Test
    void queuesNotReportedInAPollAreForgottenPerVhost() {
        OldestAgeEstimator e = new OldestAgeEstimator();
        e.beginPoll("a");
        e.ageSeconds("a", "q1", 0, 5, 0, 5);
        e.ageSeconds("a", "q2", 0, 5, 0, 5);
        e.endPoll("a");
        e.beginPoll("b");
        e.ageSeconds("b", "q1", 0, 5, 0, 5);
        e.endPoll("b");
        e.beginPoll("a");
        e.ageSeconds("a", "q1", 5_000, 5, 0, 5);
        e.endPoll("a");
        assertThat(e.history("a", "q1")).isNotNull();
        assertThat(e.history("a", "q2")).isNull();
        assertThat(e.history("b", "q1")).as("another vhost's poll does not sweep b").isNotNull();
        assertThatThrownBy(() -> e.ageSeconds("c", "q", 0, 1, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    /**
     * Memory for 10,000 queues, printed (no assertion on the measured heap, which depends on the
     * JVM): every queue with a growing backlog and irregular arrivals, so every history is full,
     * then every queue drained. The structural bound (samples per queue) is asserted.
     */
    @Test
    void memoryForTenThousandQueues() {
        int queues = 10_000;
        String[] names = new String[queues];
        for (int i = 0; i < queues; i++) {
            names[i] = "celery-queue-" + i;
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = usedHeapAfterGc(memory);
        OldestAgeEstimator e = new OldestAgeEstimator();
        long[] published = new long[queues];
        long now = 0;
        for (int poll = 0; poll < 200; poll++) {
            now += 5_000;
            e.beginPoll("v");
            for (int q = 0; q < queues; q++) {
                published[q] += (poll * 7L + q) % 5 == 0 ? 20 : (poll + q) % 3; // bursts among trickles
                e.ageSeconds("v", names[q], now, published[q], 0, published[q]); // nothing consumed
            }
            e.endPoll("v");
        }
        long full = usedHeapAfterGc(memory) - before;
        long fullEstimate = retained(e, names);
        int maxSize = 0;
        for (String name : names) {
            maxSize = Math.max(maxSize, e.history("v", name).size());
        }
        e.beginPoll("v");
        for (int q = 0; q < queues; q++) {
            e.ageSeconds("v", names[q], now + 5_000, published[q], published[q], 0);
        }
        e.endPoll("v");
        long drained = usedHeapAfterGc(memory) - before;
        long drainedEstimate = retained(e, names);
        System.out.printf("oldest-age histories, %d queues: full (%d samples max per queue): histories %,d bytes "
                        + "(%.0f per queue), heap delta with maps %,d bytes; drained: histories %,d bytes, "
                        + "heap delta %,d bytes%n", queues, maxSize, fullEstimate, fullEstimate / (double) queues,
                full, drainedEstimate, drained);
        assertThat(maxSize).isEqualTo(PublishHistory.DEFAULT_MAX_SAMPLES);
        for (String name : names) {
            assertThat(e.history("v", name).size()).isLessThanOrEqualTo(3);
        }
        assertThat(e.queueCount()).isEqualTo(queues);
    }

    private static long retained(OldestAgeEstimator e, String[] names) {
        long bytes = 0;
        for (String name : names) {
            bytes += e.history("v", name).retainedBytes();
        }
        return bytes;
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
