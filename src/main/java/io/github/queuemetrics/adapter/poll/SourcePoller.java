package io.github.queuemetrics.adapter.poll;

import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one source every {@code interval} on the shared broker worker pool and writes the result
 * into the store. HTTP requests never reach the broker: they only read the store.
 *
 * <p>A tick that arrives while the previous poll still runs is skipped, so a slow broker cannot
 * pile up blocked worker threads. Failures keep the last good snapshot in the store; the source
 * reconnects on its next poll.
 *
 * <p>{@link #stop()} may come from any thread (the shutdown hook) while a timer tick starts a poll
 * on the event loop: whether a poll starts and which poll is in flight are decided under one
 * lock, so {@code stop()} always sees a poll that has started, and its owner never closes the
 * source under it.
 */
public final class SourcePoller {

    private static final Logger LOG = LoggerFactory.getLogger(SourcePoller.class);

    private final Vertx vertx;
    private final WorkerExecutor pool;
    private final QueueSource source;
    private final MetricStore store;
    private final PollListener listener;
    private final Duration interval;
    private final Object lock = new Object();
    private volatile boolean failing;
    /** Guarded by {@code lock}. */
    private boolean stopped;
    /** The poll in flight, or a completed future; guarded by {@code lock}. */
    private Future<Void> current = Future.succeededFuture();
    /** Guarded by {@code lock}. */
    private long timerId = -1;

    public SourcePoller(Vertx vertx, WorkerExecutor pool, QueueSource source, MetricStore store,
                        PollListener listener, Duration interval) {
        this.vertx = vertx;
        this.pool = pool;
        this.source = source;
        this.store = store;
        this.listener = listener;
        this.interval = interval;
    }

    /** Polls once now, then every interval. The future completes after the first poll, good or bad. */
    public Future<Void> start() {
        Promise<Void> first = Promise.promise();
        pollOnce().onComplete(ar -> first.complete());
        synchronized (lock) {
            if (!stopped) {
                timerId = vertx.setPeriodic(interval.toMillis(), id -> pollOnce());
            }
        }
        return first.future();
    }

    /**
     * Stops the timer and starts no more polls. The source itself is closed by its owner, once the
     * returned future has completed.
     *
     * @return completes when the poll in flight (if any) has ended and its result is in the store
     */
    public Future<Void> stop() {
        synchronized (lock) {
            stopped = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            return current;
        }
    }

    /** One poll on the worker pool; completes when the store has been updated. */
    public Future<Void> pollOnce() {
        Promise<Void> ended = Promise.promise();
        synchronized (lock) {
            if (stopped) {
                return Future.succeededFuture();
            }
            if (!current.isComplete()) {
                LOG.debug("source {}: previous poll still running, tick skipped", source.name());
                return Future.succeededFuture();
            }
            // In flight from here on, before it is handed to the pool: a stop() from now on waits for it.
            current = ended.future();
        }
        long started = System.nanoTime();
        Future<Void> poll = pool.<SourceSnapshot>executeBlocking(source::poll, false)
                .andThen(ar -> {
                    long nanos = System.nanoTime() - started;
                    if (ar.succeeded()) {
                        store.recordSuccess(ar.result());
                        listener.pollSucceeded(source.name(), nanos, ar.result());
                        if (failing) {
                            LOG.info("source {}: polling again after failures", source.name());
                            failing = false;
                        }
                    } else {
                        String reason = describe(ar.cause());
                        store.recordFailure(source.name(), reason);
                        listener.pollFailed(source.name(), nanos);
                        if (!failing) {
                            LOG.warn("source {}: poll failed: {}", source.name(), reason);
                            failing = true;
                        } else {
                            LOG.debug("source {}: poll failed again: {}", source.name(), reason);
                        }
                    }
                })
                .<Void>mapEmpty()
                .andThen(ar -> ended.complete());
        return poll;
    }

    /** A one-line reason with any password removed; it ends up in 503 bodies and /readyz. */
    static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (root != error && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + ": " + root.getMessage();
        }
        return Secrets.redact(message);
    }
}
