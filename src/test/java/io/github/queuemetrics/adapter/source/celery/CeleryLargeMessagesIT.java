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
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Celery-on-Redis with 5 MB messages at the head of every queue and in the {@code unacked} hash
 * (30 MB in all): a poll reads a bounded amount per list and per unacked entry, counted by a TCP
 * proxy between the source and Redis, while ready, unacked and the oldest age stay right (DB 15).
 */
@Timeout(120)
class CeleryLargeMessagesIT {

    private static final int MB = 1024 * 1024;
    private static final String[] QUEUES = {"h6-sources-big0", "h6-sources-big1", "h6-sources-big2"};
    private final URI direct = Brokers.redisUri(15);
    private Jedis redis;

    /** A kombu envelope as kombu's Redis transport LPUSHes it, with a body of {@code bodyBytes}. */
    static String envelope(String queue, int bodyBytes) {
        String id = UUID.randomUUID().toString();
        return "{\"body\": \"" + "A".repeat(bodyBytes) + "\", \"content-encoding\": \"utf-8\", "
                + "\"content-type\": \"application/json\", \"headers\": {\"lang\": \"py\", \"task\": \"tasks.big\", "
                + "\"id\": \"" + id + "\"}, \"properties\": {\"correlation_id\": \"" + id + "\", "
                + "\"delivery_mode\": 2, \"delivery_info\": {\"exchange\": \"\", \"routing_key\": \"" + queue + "\"}, "
                + "\"priority\": 0, \"body_encoding\": \"base64\", \"delivery_tag\": \"" + UUID.randomUUID() + "\"}}";
    }

    @BeforeEach
    void fill() {
        redis = new Jedis(direct);
        redis.flushDB(); // DB 15 belongs to this branch's tests
        for (String q : QUEUES) {
            redis.lpush(q, envelope(q, 5 * MB)); // the oldest (kombu BRPOPs from the right)
            redis.lpush(q, envelope(q, 100));
        }
        for (int i = 0; i < 3; i++) {
            // kombu's QoS.append: json.dumps([message, exchange, routing_key])
            redis.hset("unacked", UUID.randomUUID().toString(), "[" + envelope(QUEUES[0], 5 * MB) + ", \"\", \""
                    + QUEUES[0] + "\"]");
        }
    }

    @AfterEach
    void clean() {
        redis.flushDB();
        redis.close();
    }

    @Test
    void aPollReadsABoundedAmountWhateverTheMessageSizes() throws Exception {
        try (TcpProxy proxy = new TcpProxy(direct.getHost(), direct.getPort() < 0 ? 6379 : direct.getPort());
             CeleryRedisSource source = new CeleryRedisSource(config("h6-sources-big",
                     URI.create("redis://" + direct.getHost() + ":" + proxy.port() + "/15"), QUEUES))) {
            long before = proxy.bytesFromTarget();
            Map<String, QueueSample> first = byQueue(source.poll());
            long read = proxy.bytesFromTarget() - before;
            assertThat(read).as("bytes read from Redis by one poll over 30 MB of messages").isLessThan(256 * 1024);
            for (String q : QUEUES) {
                assertThat(value(first.get(q), QueueMetric.READY)).isEqualTo(2);
                assertThat(value(first.get(q), QueueMetric.OLDEST_AGE_SECONDS)).isZero();
            }
            assertThat(value(first.get(QUEUES[0]), QueueMetric.UNACKED)).isEqualTo(3);
            assertThat(value(first.get(QUEUES[1]), QueueMetric.UNACKED)).isZero();

            Thread.sleep(1200);
            Map<String, QueueSample> second = byQueue(source.poll());
            for (String q : QUEUES) {
                assertThat(value(second.get(q), QueueMetric.OLDEST_AGE_SECONDS)).as(q).isGreaterThan(1.0);
            }
            // the 5 MB head of one queue is taken (as a worker's BRPOP would): its age restarts
            redis.rpop(QUEUES[1]);
            Map<String, QueueSample> third = byQueue(source.poll());
            assertThat(value(third.get(QUEUES[1]), QueueMetric.OLDEST_AGE_SECONDS)).isLessThan(0.5);
            assertThat(value(third.get(QUEUES[1]), QueueMetric.READY)).isEqualTo(1);
            assertThat(value(third.get(QUEUES[0]), QueueMetric.OLDEST_AGE_SECONDS)).isGreaterThan(1.0);
        }
    }

    /** The scripts need EVAL: a user without it gets a poll error that says what to grant. */
    @Test
    void aUserWithoutScriptingGetsAnErrorSayingWhatToGrant() throws Exception {
        String user = "h6-sources-noeval";
        redis.aclSetUser(user, "reset", "on", ">h6-secret", "~*", "&*", "+@all", "-@scripting");
        try (CeleryRedisSource source = new CeleryRedisSource(config("h6-sources-noeval", URI.create(
                "redis://" + user + ":h6-secret@" + direct.getHost() + ":" + (direct.getPort() < 0 ? 6379
                        : direct.getPort()) + "/15"), QUEUES))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(source::poll)
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("NOPERM")
                    .hasMessageContaining("allow the user +eval, ACL category @scripting")
                    .hasMessageNotContaining("h6-secret");
        } finally {
            redis.aclDelUser(user);
        }
    }
}
