package io.github.queuemetrics.adapter.source.rq;

import static io.github.queuemetrics.adapter.source.rq.RqTestSupport.byQueue;
import static io.github.queuemetrics.adapter.source.rq.RqTestSupport.config;
import static io.github.queuemetrics.adapter.source.rq.RqTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RqWorker;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Bad data under RQ's keys costs only what it touches: a head job whose timestamps cannot be used
 * costs only its own queue's age (the other metrics of that queue and every metric of the other
 * queues stay), a claimed job key of another type is counted, and discovery beyond maxQueues fails the poll (real RQ 1.13 jobs, Redis DB 15).
 */
@Timeout(60)
class RqBadDataIT {

    private static final int DB = 15;
    private static final String BAD = "h6-sources-rq-bad";
    private static final String GOOD = "h6-sources-rq-good";
    private final URI uri = Brokers.redisUri(DB);
    private Jedis admin;

    @BeforeEach
    void enqueueRealJobs() throws Exception {
        admin = RqTestSupport.jedis(uri);
        admin.flushDB(); // DB 15 belongs to this branch's tests
        RqWorker.enqueue(uri.toString(), BAD, 2, 0);
        RqWorker.enqueue(uri.toString(), GOOD, 3, 0);
    }

    @AfterEach
    void cleanUp() {
        admin.flushDB();
        admin.close();
    }

    /** Out of Instant's range, overflowing an age in milliseconds, and plain garbage. */
    @ParameterizedTest
    @ValueSource(strings = {"+999999999-12-31T23:59:59Z", "99999999999999999999", "-999999999-01-01T00:00:00Z",
        "not a date"})
    void aCorruptedEnqueuedAtLeavesOnlyThatAgeAbsent(String corrupted) throws Exception {
        String head = admin.lindex("rq:queue:" + BAD, 0);
        admin.hset("rq:job:" + head, "enqueued_at", corrupted);
        admin.hset("rq:job:" + head, "created_at", corrupted);
        try (RqSource source = new RqSource(config("h6-sources-rq", uri, List.of(BAD, GOOD), null))) {
            SourceSnapshot s = source.poll();
            assertThat(byQueue(s).get(BAD).value(QueueMetric.OLDEST_AGE_SECONDS)).isEmpty();
            assertThat(value(s, BAD, QueueMetric.READY)).isEqualTo(2);
            assertThat(value(s, BAD, QueueMetric.OUTSTANDING)).isEqualTo(2);
            assertThat(value(s, GOOD, QueueMetric.READY)).isEqualTo(3);
            assertThat(value(s, GOOD, QueueMetric.OLDEST_AGE_SECONDS)).isBetween(0.0, 30.0);
            assertThat(source.poll().queues()).hasSize(2); // and again (the warning is logged once)
        }
    }

    @Test
    void aHeadJobKeyOfAnotherTypeLeavesOnlyThatAgeAbsent() throws Exception {
        String head = admin.lindex("rq:queue:" + BAD, 0);
        admin.del("rq:job:" + head);
        admin.set("rq:job:" + head, "not a hash");
        try (RqSource source = new RqSource(config("h6-sources-rq", uri, List.of(BAD, GOOD), null))) {
            SourceSnapshot s = source.poll();
            assertThat(byQueue(s).get(BAD).value(QueueMetric.OLDEST_AGE_SECONDS)).isEmpty();
            assertThat(value(s, BAD, QueueMetric.READY)).isEqualTo(2);
            assertThat(value(s, GOOD, QueueMetric.OLDEST_AGE_SECONDS)).isBetween(0.0, 30.0);
        }
    }

    @Test
    void discoveryBeyondMaxQueuesFailsThePoll() throws Exception {
        var config = config("h6-sources-rq", uri, List.of(), java.util.regex.Pattern.compile("^h6-sources-rq-"));
        try (RqSource capped = new RqSource(config.withMaxQueues(1));
             RqSource enough = new RqSource(config.withMaxQueues(2))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(capped::poll)
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("source h6-sources-rq: queuePattern '^h6-sources-rq-' matches 2 queues, "
                            + "more than maxQueues (1)");
            assertThat(enough.poll().queues()).hasSize(2);
        }
    }

    /** An intermediate entry (RQ >= 1.16) whose job key is not a hash: counted (unknown is not "ended"), no failure. */
    @Test
    void anIntermediateJobKeyOfAnotherTypeDoesNotFailTheSource() throws Exception {
        admin.lpush("rq:queue:" + BAD + ":intermediate", "h6-sources-ghost");
        admin.set("rq:job:h6-sources-ghost", "not a hash");
        try (RqSource source = new RqSource(config("h6-sources-rq", uri, List.of(BAD, GOOD), null))) {
            SourceSnapshot s = source.poll();
            assertThat(value(s, BAD, QueueMetric.UNACKED)).isEqualTo(1);
            assertThat(value(s, BAD, QueueMetric.OUTSTANDING)).isEqualTo(3);
            assertThat(value(s, GOOD, QueueMetric.READY)).isEqualTo(3);
        }
    }
}
