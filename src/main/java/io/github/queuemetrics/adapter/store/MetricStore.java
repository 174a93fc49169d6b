package io.github.queuemetrics.adapter.store;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.model.LabelSelector;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The in-memory store between the pollers (writers, on the worker pool) and the HTTP handlers
 * (readers, on event loops). Each source's state is one immutable {@link SourceState} swapped
 * atomically, so a reader sees a whole poll or the previous one, never a mix, and never blocks.
 *
 * <p>Two clocks: the wall clock only for what is shown as a date (worker probes' "now"); ages and
 * staleness use the monotonic {@code ticker} (see {@link SourceState}).
 */
public final class MetricStore {

    private final Map<String, SourceConfig> configs = new LinkedHashMap<>();
    private final Map<String, SourceState> states = new ConcurrentHashMap<>();
    private final Clock clock;
    private final LongSupplier ticker;
    /** Bumped after every recorded poll outcome (see {@link #version()}). */
    private final AtomicLong version = new AtomicLong();

    public MetricStore(List<SourceConfig> sources, Clock clock) {
        this(sources, clock, System::nanoTime);
    }

    /** @param ticker monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests) */
    public MetricStore(List<SourceConfig> sources, Clock clock, LongSupplier ticker) {
        this.clock = clock;
        this.ticker = ticker;
        long now = ticker.getAsLong();
        for (SourceConfig source : sources) {
            configs.put(source.name(), source);
            states.put(source.name(), SourceState.initial(source.name(), now));
        }
    }

    /** A good poll, stamped with the moment it completed: its freshness counts from now. */
    public void recordSuccess(SourceSnapshot snapshot) {
        long now = ticker.getAsLong();
        states.computeIfPresent(snapshot.source(), (name, old) -> old.succeeded(snapshot, now));
        version.incrementAndGet();
    }

    /** Keeps the last good snapshot: it is served until it is older than maxStaleness. */
    public void recordFailure(String source, String error) {
        long now = ticker.getAsLong();
        states.computeIfPresent(source, (name, old) -> old.failed(error, now));
        version.incrementAndGet();
    }

    /**
     * Changes after every recorded poll outcome, once the new state is in place. An answer computed
     * from a query that began at version v (read before the query) still holds while the version is
     * v and no source it relied on has gone stale ({@link #freshUntil}): the store holds nothing
     * else that an answer depends on.
     */
    public long version() {
        return version.get();
    }

    /**
     * The ticker reading after which the first source visible to {@code namespace} that is fresh
     * now goes stale ({@link Long#MAX_VALUE} when none is fresh): until then, and while the
     * {@link #version()} holds, every query for that namespace answers as it does now.
     */
    public long freshUntil(String namespace) {
        long now = ticker.getAsLong();
        long until = Long.MAX_VALUE;
        for (SourceConfig config : configs.values()) {
            SourceState state = states.get(config.name());
            if (config.visibleTo(namespace) && state.isFresh(now, config.maxStaleness())) {
                until = Math.min(until, state.goodAtNanos() + config.maxStaleness().toNanos());
            }
        }
        return until;
    }

    public SourceState state(String source) {
        return states.get(source);
    }

    /** States in configuration order. */
    public List<SourceState> states() {
        List<SourceState> result = new ArrayList<>();
        for (String name : configs.keySet()) {
            result.add(states.get(name));
        }
        return result;
    }

    public Collection<SourceConfig> sources() {
        return configs.values();
    }

    /** Wall-clock time, for what is shown or compared as a date. */
    public Instant now() {
        return clock.instant();
    }

    /** The monotonic ticker's reading, for ages and staleness ({@link SourceState}). */
    public long nanoTime() {
        return ticker.getAsLong();
    }

    /** True when the source has a snapshot whose poll completed no longer ago than its maxStaleness. */
    public boolean isFresh(String source) {
        SourceConfig config = configs.get(source);
        return states.get(source).isFresh(ticker.getAsLong(), config.maxStaleness());
    }

    /**
     * The items for one external metric request.
     *
     * <p>Never a partial answer: if any source whose queues the selector could match is stale, the
     * whole request fails with {@link MetricQueryException.Kind#UNAVAILABLE}, because the HPA sums
     * the items and a missing queue would look like less work.
     *
     * @param namespace the HPA's namespace; sources restricted to other namespaces are invisible
     * @param metric    the metric asked for
     * @param selector  the parsed labelSelector (match-all when absent)
     */
    public List<MetricItem> query(String namespace, QueueMetric metric, LabelSelector selector)
            throws MetricQueryException {
        long now = ticker.getAsLong();
        List<MetricItem> items = new ArrayList<>();
        List<String> unavailable = new ArrayList<>();
        List<String> missingMetric = new ArrayList<>();
        for (SourceConfig config : configs.values()) {
            if (!config.visibleTo(namespace)) {
                continue;
            }
            SourceState state = states.get(config.name());
            if (!state.isFresh(now, config.maxStaleness())) {
                if (couldMatch(config, state, selector)) {
                    unavailable.add(state.unavailableReason(now, config.maxStaleness()));
                }
                continue;
            }
            if (!selector.admits(QueueSample.LABEL_SOURCE, config.name())) {
                // Every sample of this source carries source=<name>: none can match. HPA selectors
                // name their source, so this skips most samples of a multi-source adapter.
                continue;
            }
            SourceSnapshot snapshot = state.lastGood();
            for (QueueSample sample : snapshot.queues()) {
                if (!selector.matches(sample.labels())) {
                    continue;
                }
                Double value = sample.values().get(metric);
                if (value == null) {
                    missingMetric.add(config.name() + "/" + sample.queue());
                } else {
                    items.add(new MetricItem(metric.metricName(), sample.labels(), snapshot.takenAt(), value));
                }
            }
        }
        if (!unavailable.isEmpty()) {
            throw new MetricQueryException(MetricQueryException.Kind.UNAVAILABLE,
                    "unable to fetch metric " + metric.metricName() + ": " + String.join("; ", unavailable));
        }
        if (!missingMetric.isEmpty()) {
            throw new MetricQueryException(MetricQueryException.Kind.NOT_FOUND,
                    "the metric " + metric.metricName() + " is not measured for " + String.join(", ", missingMetric)
                            + " (" + metric.metricName() + " needs " + MetricAvailability.requirement(metric) + ")");
        }
        if (items.isEmpty()) {
            throw new MetricQueryException(MetricQueryException.Kind.NOT_FOUND,
                    "the server could not find the metric " + metric.metricName() + " for namespace " + namespace
                            + ": no queue matches the selector; known queues: " + knownQueues(namespace));
        }
        return items;
    }

    /**
     * Whether a stale source might hold queues the selector matches. With a snapshot we test its
     * queues; without one we test the configured queue names, and for a pattern source we test
     * only the source label (any queue name could match).
     */
    private static boolean couldMatch(SourceConfig config, SourceState state, LabelSelector selector) {
        if (state.lastGood() != null) {
            return state.lastGood().queues().stream().anyMatch(q -> selector.matches(q.labels()));
        }
        if (config.fixedQueues()) {
            return config.queues().stream().anyMatch(q -> selector.admits(QueueSample.LABEL_SOURCE, config.name())
                    && selector.admits(QueueSample.LABEL_QUEUE, q));
        }
        return selector.admits(QueueSample.LABEL_SOURCE, config.name());
    }

    /** {@code source/queue} names visible to {@code namespace}, sorted, for error messages. */
    public String knownQueues(String namespace) {
        TreeSet<String> names = new TreeSet<>();
        for (SourceConfig config : configs.values()) {
            if (!config.visibleTo(namespace)) {
                continue;
            }
            SourceState state = states.get(config.name());
            if (state.lastGood() != null) {
                state.lastGood().queues().forEach(q -> names.add(describe(q)));
            } else {
                config.queues().forEach(q -> names.add("source=" + config.name() + ",queue=" + q));
            }
        }
        return names.isEmpty() ? "(none)" : String.join(" ", names);
    }

    private static String describe(QueueSample sample) {
        StringBuilder sb = new StringBuilder();
        sample.labels().forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(k).append('=').append(v);
        });
        return sb.toString();
    }

    /** How long ago the source's last good poll completed, or null before the first one. */
    public Duration age(String source) {
        return states.get(source).age(ticker.getAsLong());
    }
}
