package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.store.SourceState;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole adapter while every broker hangs (a {@link TcpProxy} that accepts and never answers,
 * not one that refuses): each source's poll fails with a timeout within its deadline instead of
 * blocking its thread, and {@link Adapter#stop()} returns within {@link Adapter#SHUTDOWN_BUDGET}.
 * Three sources with worker tracking (Celery on RabbitMQ with the management API, Celery on Redis,
 * RQ), so the event streams and remote-control connections hang too. RabbitMQ vhost
 * {@code h6-transport}, Redis DB 14.
 */
@Timeout(180)
class HungBrokerIT {

    /** The longest single broker call (AMQP RPC, management request: 10 s) plus a poll interval and slack. */
    static final Duration POLL_DEADLINE = Duration.ofSeconds(18);

    @Test
    void pollsFailWithinTheirDeadlineAndShutdownKeepsItsBudget() throws Exception {
        URI amqp = Brokers.rabbitVhost("h6-transport");
        URI management = Brokers.rabbitManagementUri();
        URI redis = Brokers.redisUri(14);
        try (TcpProxy amqpProxy = new TcpProxy(amqp.getHost(), amqp.getPort());
             TcpProxy managementProxy = new TcpProxy(management.getHost(), management.getPort());
             TcpProxy redisProxy = new TcpProxy(redis.getHost(), redis.getPort())) {
            String yaml = """
                    pollInterval: 1s
                    maxStaleness: 2m
                    sources:
                      - name: rabbit
                        type: rabbitmq
                        amqpUri: amqp://%s@localhost:%d/h6-transport
                        managementUri: http://localhost:%d
                        queues: [h6-transport-hung]
                        workers: celery
                      - name: redis
                        type: celery-redis
                        uri: redis://localhost:%d/14
                        queues: [h6-transport-hung]
                        workers: celery
                      - name: rq
                        type: rq
                        uri: redis://localhost:%d/14
                        queues: [h6-transport-hung]
                        workers: rq
                    """.formatted(amqp.getRawUserInfo(), amqpProxy.port(), managementProxy.port(),
                    redisProxy.port(), redisProxy.port());
            RunningAdapter running = RunningAdapter.start(yaml);
            try {
                List<String> sources = List.of("rabbit", "redis", "rq");
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        sources.stream().allMatch(s -> running.adapter().store().state(s).lastGood() != null));

                long hungAt = running.adapter().store().nanoTime();
                amqpProxy.hang();
                managementProxy.hang();
                redisProxy.hang();

                Map<String, Duration> failedAfter = new ConcurrentHashMap<>();
                await().atMost(POLL_DEADLINE.plusSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (String s : sources) {
                        SourceState state = running.adapter().store().state(s);
                        if (state.lastError() != null && state.lastAttemptAtNanos() > hungAt) {
                            failedAfter.putIfAbsent(s, Duration.ofNanos(state.lastAttemptAtNanos() - hungAt));
                        }
                    }
                    return failedAfter.size() == sources.size();
                });
                for (String s : sources) {
                    assertThat(failedAfter.get(s)).as("first failure of %s after the hang", s)
                            .isLessThan(POLL_DEADLINE);
                    assertThat(running.adapter().store().state(s).lastError()).as("why %s failed", s)
                            .containsAnyOf("timed out", "did not answer within", "Timeout", "timeout");
                }

                long began = System.nanoTime();
                running.adapter().stop();
                Duration took = Duration.ofNanos(System.nanoTime() - began);
                assertThat(took).isLessThan(Adapter.SHUTDOWN_BUDGET.plusSeconds(2));
            } finally {
                running.close();
            }
        }
    }
}
