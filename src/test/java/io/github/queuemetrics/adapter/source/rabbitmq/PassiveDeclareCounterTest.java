package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which channel closes of a passive declare mean "this queue does not exist" (reported as 0) and
 * which mean the queue exists but cannot answer now (the poll fails). The texts are RabbitMQ's own
 * (rabbit_amqqueue:not_found/1 and priv_absent/4, 3.10 to 4.x).
 */
class PassiveDeclareCounterTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "NOT_FOUND - no queue 'celery' in vhost '/'",
        "NOT_FOUND - no queue 'h6 sources ünïcode' in vhost 'h6-sources'",
    })
    void onlyNoQueueIsAMissingQueue(String text) {
        assertThat(PassiveDeclareCounter.isMissingQueue(channelClose(404, text))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "NOT_FOUND - home node 'rabbit@rabbit2' of durable queue 'celery' in vhost '/' is down or inaccessible",
        "NOT_FOUND - queue 'celery' in vhost '/' process is stopped by supervisor",
        "NOT_FOUND - queue 'celery' in vhost '/' has crashed and failed to restart",
        "NOT_FOUND - failed to perform operation on queue 'celery' in vhost '/' due to timeout",
        "NOT_FOUND - failed to perform operation on queue 'celery' in vhost '/': its leader <0.1.0> may be stopping",
        "NOT_FOUND - something a future release says",
    })
    void aQueueThatExistsButCannotAnswerIsNotMissing(String text) {
        assertThat(PassiveDeclareCounter.isMissingQueue(channelClose(404, text))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {403, 405, 406})
    void otherChannelErrorsAreNotMissingQueues(int code) {
        assertThat(PassiveDeclareCounter.isMissingQueue(channelClose(code, "NOT_FOUND - no queue 'x' in vhost '/'")))
                .isFalse();
    }

    private static IOException channelClose(int code, String text) {
        AMQP.Channel.Close close = new AMQP.Channel.Close.Builder().replyCode(code).replyText(text)
                .classId(50).methodId(10).build();
        return new IOException(new ShutdownSignalException(false, true, close, null));
    }
}
