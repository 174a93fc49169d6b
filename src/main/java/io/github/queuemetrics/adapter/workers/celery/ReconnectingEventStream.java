package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.config.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connect / consume / back off / reconnect loop shared by both brokers. One daemon thread
 * runs {@link #consume()}, which blocks for as long as the subscription lives and returns or
 * throws when it ends; then the loop waits (exponential backoff) and tries again, forever, until
 * {@link #close()}.
 */
abstract class ReconnectingEventStream implements CeleryEventStream {

    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingEventStream.class);

    private final String threadName;
    private final CeleryEventListener listener;
    private final Backoff backoff;
    private final Clock clock;
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastError;
    private volatile Instant lastEventAt;
    private volatile Thread thread;

    ReconnectingEventStream(String threadName, CeleryEventListener listener, Duration initialBackoff,
                            Duration maxBackoff, Clock clock) {
        this.threadName = threadName;
        this.listener = listener;
        this.backoff = new Backoff(initialBackoff, maxBackoff);
        this.clock = clock;
    }

    /** Connects, subscribes, calls {@link #subscribed()}, then blocks until the connection ends. */
    protected abstract void consume() throws Exception;

    /** Unblocks a running {@link #consume()} from another thread (close the connection). */
    protected abstract void abort();

    /** A short description of where the stream reads from, without password, for logs. */
    protected abstract String describe();

    @Override
    public synchronized void start() {
        if (thread != null || closed) {
            return;
        }
        Thread t = new Thread(this::loop, threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void loop() {
        while (!closed) {
            try {
                consume();
                if (!closed) {
                    lastError = "connection closed by the broker";
                }
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
                lastError = "interrupted";
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Exception | Error e) {
                // Anything else (a linkage problem, a broken listener) must not end the stream for good.
                if (!closed) {
                    lastError = Secrets.redact(failure(e));
                }
            } finally {
                connected = false;
            }
            if (closed) {
                break;
            }
            long delay = backoff.nextDelayMillis();
            LOG.warn("celery events from {}: {}; reconnecting in {} ms", describe(), lastError, delay);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            }
        }
    }

    /** Why a connection attempt or subscription ended, one line (the password is removed after). */
    protected String failure(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Called by the implementation once the broker confirmed the subscription. */
    protected final void subscribed() {
        connected = true;
        backoff.reset();
        long n = connects.incrementAndGet();
        if (n == 1) {
            LOG.info("celery events: subscribed to {}", describe());
        } else {
            LOG.info("celery events: resubscribed to {} (connect #{})", describe(), n);
        }
    }

    /** Hands decoded events to the listener; a bad message or listener bug never stops the stream. */
    protected final void deliver(Supplier<List<ObjectNode>> decode) {
        List<ObjectNode> decoded;
        try {
            decoded = decode.get();
        } catch (RuntimeException e) {
            LOG.debug("celery events from {}: undecodable message: {}", describe(), e.getMessage());
            lastError = "undecodable event: " + e.getMessage();
            return;
        }
        lastEventAt = clock.instant();
        for (ObjectNode event : decoded) {
            events.incrementAndGet();
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("celery events: listener failed on {}: {}", event.path("type").asText("?"), e.toString());
            }
        }
    }

    protected final boolean isClosed() {
        return closed;
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    @Override
    public long connectCount() {
        return connects.get();
    }

    @Override
    public long eventsReceived() {
        return events.get();
    }

    @Override
    public Optional<Instant> lastEventAt() {
        return Optional.ofNullable(lastEventAt);
    }

    @Override
    public void close() {
        closed = true;
        try {
            abort();
        } catch (RuntimeException e) {
            LOG.debug("celery events: closing {}: {}", describe(), e.toString());
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connected = false;
    }
}
