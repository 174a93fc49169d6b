package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rates and oldest ages of the {@code prometheusUri} mode. Their only per-queue source is the
 * management listing, which costs seconds at 10,000 queues (bench/README.md) while the scrape of the
 * counts costs a few hundred milliseconds; so the listing runs apart from the counts poll: a counts
 * poll starts one on the worker pool when {@code refresh} has passed since the last one started and
 * none runs ({@link #refreshIfDue()} never waits), and merges the last good listing's values into
 * its samples ({@link #merge}).
 *
 * <p>Freshness follows the source's rule for its snapshot, per vhost: a listing's values are
 * served while they are at most {@code staleAfter} old (counted from when the listing completed,
 * on a monotonic ticker), then they are absent, never served as current. A failing listing never
 * fails the counts poll and never turns into zeros: the last good values stay until stale, and the
 * failure is logged (a warning when listings start failing, one line when they recover).
 *
 * <p>{@link #close()} (with the source) starts no more listings, interrupts the one running and
 * waits for it to end: nothing runs on a closed source.
 */
final class BackgroundManagementListing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundManagementListing.class);

    /** The rates and age of one queue from a listing; NaN when the listing did not measure it. */
    private record Listed(double arrivalRate, double completionRate, double oldestAgeSeconds) {
    }

    /** One vhost's last good listing, dated by when it completed. */
    private record VhostListing(long completedAtNanos, Map<String, Listed> queues) {
    }

    private final String source;
    private final List<String> vhosts;
    private final ManagementListing listing;
    private final Executor executor;
    private final long refreshNanos;
    private final long staleAfterNanos;
    private final Duration closeWait;
    private final LongSupplier ticker;
    private final Map<String, VhostListing> last = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** Guarded by {@code lock}. */
    private boolean closed;
    /** Guarded by {@code lock}: a listing was handed to the executor and has not ended. */
    private boolean inFlight;
    /** Guarded by {@code lock}: ticker reading when the last listing was handed over; valid once {@code started}. */
    private long lastStartNanos;
    /** Guarded by {@code lock}: a listing has been handed over at least once. */
    private boolean started;
    /** Guarded by {@code lock}: the thread running the listing, so that close() can interrupt it. */
    private Thread running;
    /** Guarded by {@code lock}: close() interrupted {@code running}, whose flag the listing clears when it ends. */
    private boolean interruptedByClose;
    /** Only the listing (one at a time) reads and writes it. */
    private volatile boolean failing;

    /**
     * @param executor   the worker pool (never an event loop: the listing blocks)
     * @param refresh    the least time between the starts of two listings
     * @param staleAfter how long a listing's values are served after it completed
     * @param closeWait  how long {@link #close()} waits for an interrupted listing to end
     * @param ticker     monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    BackgroundManagementListing(String source, List<String> vhosts, ManagementListing listing, Executor executor,
                                Duration refresh, Duration staleAfter, Duration closeWait, LongSupplier ticker) {
        this.source = source;
        this.vhosts = List.copyOf(vhosts);
        this.listing = listing;
        this.executor = executor;
        this.refreshNanos = refresh.toNanos();
        this.staleAfterNanos = staleAfter.toNanos();
        this.closeWait = closeWait;
        this.ticker = ticker;
    }

    /** Starts a listing on the executor when one is due and none runs; returns at once. */
    void refreshIfDue() {
        synchronized (lock) {
            long now = ticker.getAsLong();
            if (closed || inFlight || (started && now - lastStartNanos < refreshNanos)) {
                return;
            }
            inFlight = true;
            started = true;
            lastStartNanos = now;
        }
        try {
            executor.execute(this::refresh);
        } catch (RuntimeException e) { // a pool that refuses work (shutting down): try again at the next poll
            synchronized (lock) {
                inFlight = false;
            }
            LOG.warn("source {}: the management listing for rates and ages could not be started: {}", source,
                    e.toString());
        }
    }

    /**
     * Adds the rates and the oldest age of the last fresh listing of {@code vhost} to
     * {@code out[first..]}, each only where the sample lacks it (a queue the broker does not have
     * already has its zeros). A queue the listing did not hold, or a stale listing, adds nothing.
     */
    void merge(String vhost, List<QueueSample> out, int first) {
        VhostListing listed = last.get(vhost);
        if (listed == null || ticker.getAsLong() - listed.completedAtNanos() > staleAfterNanos) {
            return;
        }
        for (int i = first; i < out.size(); i++) {
            QueueSample sample = out.get(i);
            Listed q = listed.queues().get(sample.queue());
            if (q != null) {
                out.set(i, withListed(sample, q));
            }
        }
    }

    /** The sample with the listed values it lacks; one copy per queue, as this runs on the counts poll's path. */
    private static QueueSample withListed(QueueSample sample, Listed q) {
        Map<QueueMetric, Double> values = new EnumMap<>(QueueMetric.class);
        values.putAll(sample.values());
        fill(values, QueueMetric.ARRIVAL_RATE, q.arrivalRate());
        fill(values, QueueMetric.COMPLETION_RATE, q.completionRate());
        fill(values, QueueMetric.OLDEST_AGE_SECONDS, q.oldestAgeSeconds());
        return values.size() == sample.values().size() ? sample : new QueueSample(sample.queue(), sample.labels(), values);
    }

    private static void fill(Map<QueueMetric, Double> values, QueueMetric metric, double value) {
        if (!Double.isNaN(value)) {
            values.putIfAbsent(metric, value);
        }
    }

    private void refresh() {
        synchronized (lock) {
            if (closed) {
                inFlight = false;
                return;
            }
            running = Thread.currentThread();
        }
        try {
            String error = null;
            for (String vhost : vhosts) { // one vhost failing leaves the others' listings current
                try {
                    keep(vhost, listing.list(vhost));
                } catch (IOException | RuntimeException e) {
                    error = error != null ? error : e.getMessage() != null ? e.getMessage() : e.toString();
                }
            }
            report(error);
        } catch (InterruptedException e) {
            LOG.debug("source {}: management listing interrupted (source closed)", source);
        } finally {
            synchronized (lock) {
                running = null;
                inFlight = false;
                if (interruptedByClose) {
                    Thread.interrupted(); // the pool thread goes back clean
                }
                lock.notifyAll();
            }
        }
    }

    /** A warning when listings start failing, one line when they succeed again, debug in between. */
    private void report(String error) {
        if (error == null) {
            if (failing) {
                LOG.info("source {}: the management listing for rates and ages succeeds again", source);
                failing = false;
            }
            return;
        }
        String message = "source {}: the management listing for rates and ages failed (the counts are still served; "
                + "a vhost's rates and ages are absent once its last good listing is older than {} s): {}";
        if (!failing) {
            LOG.warn(message, source, staleAfterNanos / 1_000_000_000, error);
            failing = true;
        } else {
            LOG.debug(message, source, staleAfterNanos / 1_000_000_000, error);
        }
    }

    /** Keeps what the counts poll lacks: the rates and the age of each listed queue, NaN where not measured. */
    private void keep(String vhost, List<QueueSample> samples) {
        Map<String, Listed> queues = new HashMap<>(samples.size() * 2);
        for (QueueSample s : samples) {
            queues.put(s.queue(), new Listed(valueOf(s, QueueMetric.ARRIVAL_RATE), valueOf(s, QueueMetric.COMPLETION_RATE),
                    valueOf(s, QueueMetric.OLDEST_AGE_SECONDS)));
        }
        last.put(vhost, new VhostListing(ticker.getAsLong(), queues));
    }

    private static double valueOf(QueueSample sample, QueueMetric metric) {
        return sample.value(metric).orElse(Double.NaN);
    }

    /** Starts no more listings, interrupts the one running and waits (at most {@code closeWait}) until it has ended. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (running != null) {
                interruptedByClose = true;
                running.interrupt();
            }
            long deadline = System.nanoTime() + closeWait.toNanos();
            try {
                while (running != null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warn("source {}: the management listing did not end within {} ms of close", source,
                                closeWait.toMillis());
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
