package io.github.queuemetrics.adapter.source.celery;

import static io.github.queuemetrics.adapter.source.celery.CeleryRedisSourceIT.byQueue;
import static io.github.queuemetrics.adapter.source.celery.CeleryRedisSourceIT.config;
import static io.github.queuemetrics.adapter.source.celery.CeleryRedisSourceIT.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * The head reads that {@link OldestTaskTracker#knownHead} saves, against the real local Redis
 * (DB 15, which {@link CeleryLargeMessagesIT} also empties; test classes run one at a time): a list
 * whose length did not change is not read again until its turn of the rotation, and a head replaced
 * without a change in length (one task taken, one added) is still noticed within
 * {@link OldestTaskTracker#RECHECK_POLLS} polls, its age running on, never younger, until then.
 */
@Timeout(120)
class CeleryHeadRotationIT {

    private static final int QUEUES = 200;
    private final URI direct = Brokers.redisUri(15);
    private final List<String> queues = IntStream.range(0, QUEUES).mapToObj(i -> "qma-rot-" + i).toList();
    private Jedis redis;

    @BeforeEach
    void fill() {
        redis = new Jedis(direct);
        redis.flushDB();
        for (String q : queues) {
            redis.lpush(q, CeleryLargeMessagesIT.envelope(q, 1000), CeleryLargeMessagesIT.envelope(q, 1000));
        }
    }

    @AfterEach
    void clean() {
        redis.flushDB();
        redis.close();
    }

    @Test
    void unchangedListsAreNotReadAgainAndAReplacedHeadIsNoticedWithinTheRotation() throws Exception {
        try (TcpProxy proxy = new TcpProxy(direct.getHost(), direct.getPort() < 0 ? 6379 : direct.getPort());
             CeleryRedisSource source = new CeleryRedisSource(config("rot", URI.create(
                     "redis://" + direct.getHost() + ":" + proxy.port() + "/15"), queues.toArray(String[]::new)))) {
            long before = proxy.bytesFromTarget();
            source.poll();
            long firstPoll = proxy.bytesFromTarget() - before;
            before = proxy.bytesFromTarget();
            source.poll();
            long secondPoll = proxy.bytesFromTarget() - before;
            // each head read answers ~60 bytes (length + 48-byte sample); an LLEN answers ~4
            assertThat(firstPoll).as("bytes of the first poll, every head read").isGreaterThan(QUEUES * 48L);
            assertThat(secondPoll).as("bytes of a poll in which no length changed")
                    .isLessThan(firstPoll / 3);

            Thread.sleep(1200);
            String turning = queues.get(7);
            String growing = queues.get(8);
            redis.rpop(turning); // a worker takes the oldest task and one arrives: the length stays 2
            redis.lpush(turning, CeleryLargeMessagesIT.envelope(turning, 1000));
            redis.lpush(growing, CeleryLargeMessagesIT.envelope(growing, 1000)); // a new task: head unchanged

            List<Double> turningAges = new ArrayList<>();
            for (int poll = 0; poll < OldestTaskTracker.RECHECK_POLLS; poll++) {
                Map<String, QueueSample> samples = byQueue(source.poll());
                turningAges.add(value(samples.get(turning), QueueMetric.OLDEST_AGE_SECONDS));
                assertThat(value(samples.get(turning), QueueMetric.READY)).isEqualTo(2);
                assertThat(value(samples.get(growing), QueueMetric.READY)).isEqualTo(3);
                assertThat(value(samples.get(growing), QueueMetric.OLDEST_AGE_SECONDS))
                        .as("a list read because its length changed keeps the age of an unchanged head")
                        .isGreaterThan(1.1);
            }
            int reset = IntStream.range(0, turningAges.size()).filter(i -> turningAges.get(i) < 0.5)
                    .findFirst().orElse(-1);
            assertThat(reset).as("the poll that saw the new head of %s, ages %s", turning, turningAges)
                    .isGreaterThanOrEqualTo(0);
            assertThat(turningAges.subList(0, reset)).as("ages before the new head was read: the old head's")
                    .allMatch(age -> age > 1.1);
        }
    }
}
