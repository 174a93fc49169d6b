package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PublishHistory} on synthetic queues whose every message's publish time is known: a
 * simulated FIFO queue is fed with arrivals and consumed, sampled the way the source samples it
 * (the cumulative publish count and the ready count at each poll, on a clock the test drives),
 * and the estimate is compared with the true publish time of the head.
 */
class PublishHistoryTest {

    private static final int MAX = PublishHistory.DEFAULT_MAX_SAMPLES;

    /** A FIFO queue: publish times in ms of every message ever published, and how many left the head. */
    private static final class FifoQueue {
        final List<Long> publishedAt = new ArrayList<>();
        int consumed;

        void publish(long atMillis, int n) {
            for (int i = 0; i < n; i++) {
                publishedAt.add(atMillis);
            }
        }

        void consume(int n) {
            consumed = Math.min(publishedAt.size(), consumed + n);
        }

        long published() {
            return publishedAt.size();
        }

        long ready() {
            return publishedAt.size() - consumed;
        }

        /** True age in seconds at {@code now} of the oldest ready message, 0 when empty. */
        double trueAge(long now) {
            return ready() == 0 ? 0 : (now - publishedAt.get(consumed)) / 1000.0;
        }
    }

    private static double poll(PublishHistory h, FifoQueue q, long now) {
        return h.update(now, q.published(), q.consumed, q.ready(), MAX);
    }

    @Test
    void steadyArrivalsAndAConsumerThatKeepsUpHalfway() {
        PublishHistory h = new PublishHistory();
        FifoQueue q = new FifoQueue();
        long now = 0;
        assertThat(poll(h, q, now)).isZero();
        int maxSize = 0;
        for (int step = 1; step <= 600; step++) {
            // 2 messages per second, spread over the second; the consumer takes 1 per second
            q.publish(now + 250, 1);
            q.publish(now + 750, 1);
            q.consume(1);
            now += 1000;
            if (step % 5 == 0) { // one poll every 5 s
                double age = poll(h, q, now);
                assertThat(age).as("age at poll %d", step / 5).isCloseTo(q.trueAge(now), within(1.0));
                maxSize = Math.max(maxSize, h.size());
            }
        }
        assertThat(q.trueAge(now)).as("the backlog grew: the head is minutes old").isGreaterThan(250.0);
        assertThat(maxSize).as("samples older than the head are dropped").isLessThanOrEqualTo(MAX);
    }

    @Test
    void twoBurstsAreDatedByTheirPollIntervalsAndTheAgeDropsWhenTheHeadReachesTheSecond() {
        PublishHistory h = new PublishHistory();
        FifoQueue q = new FifoQueue();
        poll(h, q, 0);
        poll(h, q, 1_000);
        q.publish(1_500, 3); // between the polls at 1 s and 2 s
        for (long t = 2_000; t <= 14_000; t += 1_000) {
            poll(h, q, t);
        }
        q.publish(14_500, 3);
        for (long t = 15_000; t <= 20_000; t += 1_000) {
            poll(h, q, t);
        }
        // the first burst is dated in its poll interval (1 s, 2 s]: age 18..19 s at 20 s
        assertThat(poll(h, q, 20_000)).isBetween(18.0, 19.0).isCloseTo(q.trueAge(20_000), within(1.0));
        q.consume(2);
        assertThat(poll(h, q, 21_000)).as("head is the first burst's last message").isBetween(19.0, 20.0);
        q.consume(1);
        double age = poll(h, q, 22_000);
        assertThat(age).as("head moved to the second burst").isBetween(7.0, 8.0)
                .isCloseTo(q.trueAge(22_000), within(1.0));
        assertThat(h.headPrecedesHistory(q.published() - q.ready() + 1)).isFalse();
    }

    @Test
    void aDrainedQueueIsZeroAndKeepsOnlyItsLastSamples() {
        PublishHistory h = new PublishHistory();
        FifoQueue q = new FifoQueue();
        poll(h, q, 0);
        for (int i = 1; i <= 20; i++) {
            q.publish(i * 1000L - 500, 10);
            poll(h, q, i * 1000L);
        }
        assertThat(h.size()).isGreaterThan(10);
        q.consume(200);
        assertThat(poll(h, q, 21_000)).isZero();
        assertThat(h.size()).as("the samples from 11 s to 21 s: the statistics lag margin").isEqualTo(11);
        assertThat(poll(h, q, 40_000)).isZero();
        assertThat(h.size()).as("the last count, first and last time seen").isEqualTo(2);
        // the next message is dated from there on
        q.publish(40_500, 1);
        assertThat(poll(h, q, 41_000)).isCloseTo(0.5, within(0.01));
        assertThat(poll(h, q, 51_000)).isCloseTo(10.5, within(0.01));
    }

    @Test
    void aCounterThatGoesDownRestartsTheHistoryAndTheAgeIsALowerBoundFromThere() {
        PublishHistory h = new PublishHistory();
        h.update(0, 100, 95, 5, MAX);
        h.update(5_000, 120, 95, 25, MAX);
        assertThat(h.size()).isEqualTo(2);
        // broker restarted, or the queue was deleted and declared again: 3 messages published since
        assertThat(h.update(10_000, 3, 0, 3, MAX)).isZero();
        assertThat(h.size()).isEqualTo(1);
        assertThat(h.headPrecedesHistory(1)).isTrue();
        assertThat(h.update(40_000, 3, 0, 3, MAX)).as("lower bound: the first sample after the reset").isEqualTo(30.0);
        assertThat(h.update(45_000, 5, 0, 5, MAX)).isEqualTo(35.0);
    }

    @Test
    void aBacklogOlderThanTheFirstSampleIsALowerBoundThatGrowsWithTime() {
        PublishHistory h = new PublishHistory();
        // the adapter starts while 50 messages wait already
        assertThat(h.update(1_000, 50, 0, 50, MAX)).isZero();
        assertThat(h.update(31_000, 50, 0, 50, MAX)).isEqualTo(30.0);
        assertThat(h.headPrecedesHistory(1)).isTrue();
        assertThat(h.update(61_000, 55, 0, 55, MAX)).isEqualTo(60.0);
        // once the old backlog is consumed, the head is dated exactly again
        assertThat(h.update(62_000, 55, 50, 5, MAX)).as("message 51 came between 31 s and 61 s")
                .isCloseTo((62_000 - (31_000 + 30_000 * 0.5 / 5)) / 1000.0, within(0.001));
        assertThat(h.headPrecedesHistory(51)).isFalse();
    }

    @Test
    void aCounterEmittedBeforeTheReadyCountDoesNotMoveTheHead() {
        // RabbitMqOldestAgeIT saw this: a burst's publishes counted while messages_ready still
        // showed the count before it; a head number P - R + 1 jumped onto the burst for 5 s
        PublishHistory h = new PublishHistory();
        h.update(0, 0, 0, 0, MAX);
        h.update(1_000, 0, 0, 0, MAX);
        h.update(2_000, 3, 0, 3, MAX); // first batch, published in (1 s, 2 s]
        for (long t = 3_000; t <= 15_000; t += 1_000) {
            h.update(t, 3, 0, 3, MAX);
        }
        double stale = h.update(16_000, 6, 0, 3, MAX); // second batch counted, ready count not yet
        assertThat(stale).as("still the first batch").isCloseTo((16_000 - 1_000 - 1_000 * 0.5 / 3) / 1000.0, within(0.001));
        assertThat(h.update(17_000, 6, 0, 6, MAX)).isCloseTo(stale + 1, within(0.001));
    }

    @Test
    void aPurgeIsAccountedForOnceTheQueueSettles() {
        PublishHistory h = new PublishHistory();
        h.update(0, 0, 0, 0, MAX);
        h.update(5_000, 10, 0, 10, MAX); // 10 published in (0, 5 s]
        assertThat(h.update(10_000, 10, 0, 0, MAX)).as("purged: nothing waits").isZero();
        assertThat(h.update(15_000, 10, 0, 0, MAX)).isZero();
        assertThat(h.removed()).as("not settled for 10 s yet").isZero();
        assertThat(h.update(20_000, 10, 0, 0, MAX)).isZero();
        assertThat(h.removed()).isEqualTo(10);
        // two published in (20 s, 25 s]: dated there, not as purged message 1
        assertThat(h.update(25_000, 12, 0, 2, MAX)).isCloseTo((25_000 - 21_250) / 1000.0, within(0.001));
    }

    @Test
    void aPurgeFollowedByPublishesIsOverestimatedUntilTheQueueSettles() {
        PublishHistory h = new PublishHistory();
        h.update(0, 0, 0, 0, MAX);
        h.update(5_000, 10, 0, 10, MAX);
        h.update(10_000, 12, 0, 2, MAX); // 10 purged and 2 published in (5 s, 10 s]
        double beforeSettled = h.update(15_000, 12, 0, 2, MAX);
        assertThat(beforeSettled).as("dated as purged message 1").isCloseTo(14.75, within(0.001));
        double settled = h.update(20_000, 12, 0, 2, MAX);
        assertThat(h.removed()).isEqualTo(10);
        assertThat(settled).as("message 11, published in (5 s, 10 s]").isCloseTo((20_000 - 6_250) / 1000.0, within(0.001));
    }

    @Test
    void aFlatRunKeepsItsFirstAndLastSampleSoTheNextMessageIsDatedAfterTheRun() {
        PublishHistory h = new PublishHistory();
        for (long t = 0; t <= 100_000; t += 5_000) {
            h.update(t, 5, 5, 0, MAX);
        }
        assertThat(h.size()).isEqualTo(2); // empty queue: the count, first and last seen
        for (long t = 105_000; t <= 200_000; t += 5_000) {
            h.record(t, 5, MAX); // counts unknown for a while: the run is recorded, not grown
        }
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.time(0)).isEqualTo(0);
        assertThat(h.time(1)).isEqualTo(200_000);
        assertThat(h.update(205_000, 8, 5, 3, MAX)).as("message 6 came between 200 s and 205 s")
                .isCloseTo((205_000 - (200_000 + 5_000 * 0.5 / 3)) / 1000.0, within(0.001));
    }

    @Test
    void aRequeuedMessageWaitingAtTheHeadIsMissedUntilItIsRedelivered() {
        PublishHistory h = new PublishHistory();
        h.update(0, 0, 0, 0, MAX);
        h.update(10_000, 10, 0, 10, MAX); // messages 1..10, dated (0, 10 s]
        // 5 delivered, message 3 rejected with requeue: back at the head, 6 ready; the estimate is
        // the oldest never-delivered message (6), younger than the real head
        double estimate = h.update(20_000, 10, 5, 6, MAX);
        assertThat(estimate).isCloseTo((20_000 - 5_500) / 1000.0, within(0.001));
        assertThat(estimate).isLessThan(h.ageSeconds(20_000, 3));
        // message 3 redelivered: deliver_get 6, redeliver 1, first deliveries still 5: head 6, exact
        assertThat(h.update(25_000, 10, 6 - 1, 5, MAX)).isCloseTo((25_000 - 5_500) / 1000.0, within(0.001));
    }

    @Test
    void thinningKeepsTheHistoryBoundedAndTheEstimateCloseToAnUnboundedHistory() {
        Random random = new Random(42);
        PublishHistory bounded = new PublishHistory();
        PublishHistory unbounded = new PublishHistory();
        FifoQueue q = new FifoQueue();
        long now = 0;
        double worstVsUnbounded = 0;
        double worstVsTruth = 0;
        double worstRelative = 0;
        int maxSize = 0;
        for (int poll = 0; poll < 5_000; poll++) {
            // bursty arrivals (quiet stretches, then bursts) and a consumer slower on average
            if (random.nextInt(10) < 3) {
                q.publish(now + random.nextInt(5_000), 1 + random.nextInt(40));
            }
            q.consume(random.nextInt(6));
            now += 5_000;
            double a = bounded.update(now, q.published(), q.consumed, q.ready(), MAX);
            double b = unbounded.update(now, q.published(), q.consumed, q.ready(), Integer.MAX_VALUE);
            worstVsUnbounded = Math.max(worstVsUnbounded, Math.abs(a - b));
            if (b > 60) {
                worstRelative = Math.max(worstRelative, Math.abs(a - b) / b);
            }
            worstVsTruth = Math.max(worstVsTruth, Math.abs(b - q.trueAge(now)));
            maxSize = Math.max(maxSize, bounded.size());
        }
        System.out.printf("thinning: %d polls, backlog %d, head age %.0f s, unbounded history %d samples, "
                        + "bounded %d; worst |bounded - unbounded| %.1f s (%.2f%% of the age), "
                        + "worst |unbounded - truth| %.1f s%n", 5_000, q.ready(), q.trueAge(now), unbounded.size(),
                maxSize, worstVsUnbounded, 100 * worstRelative, worstVsTruth);
        assertThat(unbounded.size()).as("the test makes thinning necessary").isGreaterThan(MAX);
        assertThat(maxSize).isLessThanOrEqualTo(MAX);
        // arrivals are within a 5 s poll interval: interpolation cannot date a message closer than that
        assertThat(worstVsTruth).isLessThanOrEqualTo(5.0);
        // merging samples costs a few percent of the age at most on this history (2.1% seen)
        assertThat(worstRelative).isLessThan(0.05);
    }
}
