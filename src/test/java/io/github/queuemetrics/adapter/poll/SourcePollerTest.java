package io.github.queuemetrics.adapter.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SourcePollerTest {

    private final Vertx vertx = Vertx.vertx();
    private final WorkerExecutor realPool = vertx.createSharedWorkerExecutor("source-poller-test", 2);
    private final MetricStore store = new MetricStore(List.of(config("slow")), Clock.systemUTC());

    @AfterEach
    void close() throws Exception {
        realPool.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static SourceConfig config(String name) {
        return new SourceConfig(name, SourceType.RQ, null, null, null, URI.create("redis://localhost:6379/1"),
                List.of("default"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5), Duration.ofSeconds(30),
                null, null, null);
    }

    /** A source whose poll blocks until released, and that records a close during a poll. */
    private static final class BlockingSource implements QueueSource {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger polls = new AtomicInteger();

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public SourceSnapshot poll() throws Exception {
            polls.incrementAndGet();
            entered.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return new SourceSnapshot("slow", java.time.Instant.now(), List.of());
        }

        @Override
        public void close() {
        }
    }

    /**
     * The pool, except that {@code beforeSubmit} runs just before a poll is handed to it: the moment
     * a stop() from another thread can arrive while a timer tick is starting a poll.
     */
    private WorkerExecutor poolWithHook(Runnable beforeSubmit) {
        return (WorkerExecutor) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {WorkerExecutor.class}, (proxy, method, args) -> {
                    if (method.getName().equals("executeBlocking")) {
                        beforeSubmit.run();
                    }
                    try {
                        return method.invoke(realPool, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void stopArrivingWhileAPollIsBeingStartedWaitsForThatPoll() throws Exception {
        BlockingSource source = new BlockingSource();
        AtomicReference<SourcePoller> poller = new AtomicReference<>();
        AtomicReference<Future<Void>> stopped = new AtomicReference<>();
        poller.set(new SourcePoller(vertx, poolWithHook(() -> stopped.compareAndSet(null, poller.get().stop())),
                source, store, PollListener.NONE, Duration.ofHours(1)));

        Future<Void> poll = poller.get().pollOnce();
        assertThat(source.entered.await(10, TimeUnit.SECONDS)).isTrue();
        // The poll has started: stop() must not report it ended, or the owner closes the source under it.
        assertThat(stopped.get()).isNotNull();
        assertThat(stopped.get().isComplete()).as("stop() completed while a poll was running").isFalse();

        source.release.countDown();
        stopped.get().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        poll.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(source.polls.get()).isEqualTo(1);
    }

    @Test
    void stopWaitsForThePollInFlightAndNoPollStartsAfterIt() throws Exception {
        BlockingSource source = new BlockingSource();
        SourcePoller poller = new SourcePoller(vertx, realPool, source, store, PollListener.NONE, Duration.ofHours(1));
        poller.pollOnce();
        assertThat(source.entered.await(10, TimeUnit.SECONDS)).isTrue();
        Future<Void> stopped = poller.stop();
        Thread.sleep(100);
        assertThat(stopped.isComplete()).isFalse();
        source.release.countDown();
        stopped.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        poller.pollOnce().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(source.polls.get()).isEqualTo(1);
    }

    @Test
    void aTickWhileAPollRunsIsSkipped() throws Exception {
        BlockingSource source = new BlockingSource();
        SourcePoller poller = new SourcePoller(vertx, realPool, source, store, PollListener.NONE, Duration.ofHours(1));
        Future<Void> first = poller.pollOnce();
        assertThat(source.entered.await(10, TimeUnit.SECONDS)).isTrue();
        Future<Void> skipped = poller.pollOnce();
        assertThat(skipped.isComplete()).isTrue();
        source.release.countDown();
        first.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(source.polls.get()).isEqualTo(1);
    }
}
