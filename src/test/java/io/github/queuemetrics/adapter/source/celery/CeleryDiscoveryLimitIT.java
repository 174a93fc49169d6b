package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** queuePattern discovery on Celery-on-Redis stops at maxQueues with an error, never a partial set (DB 15). */
@Timeout(60)
class CeleryDiscoveryLimitIT {

    private final URI uri = Brokers.redisUri(15);
    private Jedis redis;

    @BeforeEach
    void bindQueues() {
        redis = new Jedis(uri);
        redis.flushDB(); // DB 15 belongs to this branch's tests
        for (int i = 0; i < 6; i++) {
            String q = "h6-sources-q" + i;
            // as kombu records a declared queue: rk + sep + pattern + sep + queue in _kombu.binding.<exchange>
            redis.sadd("_kombu.binding." + q, q + "\u0006\u0016\u0006\u0016" + q);
            redis.lpush(q, "{}");
        }
    }

    @AfterEach
    void clean() {
        redis.flushDB();
        redis.close();
    }

    @Test
    void moreQueuesThanMaxQueuesFailThePoll() throws Exception {
        var config = CeleryRedisSourceIT.config("h6-sources-cr", uri, List.of(), Pattern.compile("^h6-sources-"),
                null, null, null);
        try (CeleryRedisSource capped = new CeleryRedisSource(config.withMaxQueues(5));
             CeleryRedisSource enough = new CeleryRedisSource(config.withMaxQueues(6))) {
            assertThatThrownBy(capped::poll).isInstanceOf(IOException.class)
                    .hasMessageContaining("source h6-sources-cr: queuePattern '^h6-sources-' matches 6 queues, "
                            + "more than maxQueues (5)");
            assertThat(enough.poll().queues()).hasSize(6);
            redis.del("_kombu.binding.h6-sources-q5");
            assertThat(capped.poll().queues()).hasSize(5);
        }
    }
}
