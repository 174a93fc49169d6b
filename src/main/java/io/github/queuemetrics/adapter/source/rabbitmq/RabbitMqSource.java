package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Celery (or any AMQP producer) on RabbitMQ. Two modes, chosen by {@code managementUri}:
 *
 * <ul>
 * <li><b>Management API</b> ({@code managementUri} set): one {@code GET /api/queues/{vhost}} per
 *     vhost per poll (plus one per further 500 queues), giving {@code queue_ready},
 *     {@code queue_unacked}, {@code queue_consumers}, {@code queue_outstanding}, the two rates
 *     and {@code queue_oldest_age_seconds} (dated from the publish counter's history, {@link PublishHistory}).
 *     Its counts are as fresh as the broker's statistics emission (5 s by default). With
 *     {@code workers: celery}, ready and consumers are read live by passive declare as well, and
 *     worker tracking supplies the prefetched and running tasks from the same moment.</li>
 * <li><b>Prometheus plugin</b> ({@code prometheusUri} as well): the counts from one scrape per vhost
 *     instead of the listing ({@link PrometheusQueuePoll}); the rates and the oldest age from the
 *     same listing as the management mode, run apart on a slower cadence and merged while fresh
 *     ({@link BackgroundManagementListing}).</li>
 * <li><b>AMQP only</b>: a passive {@code queue.declare} per queue on one long-lived connection per
 *     vhost, giving {@code queue_ready}, {@code queue_consumers} and {@code queue_outstanding}
 *     (= ready). AMQP cannot see unacknowledged (prefetched) messages nor rates, and cannot list
 *     queues, so these metrics (and the oldest age) are absent (unknown, not 0) and {@code queuePattern} is refused.</li>
 * </ul>
 *
 * <p>Every sample has the labels {@code source}, {@code queue} and {@code vhost}. A queue of
 * {@code queues:} that the broker does not have is reported with 0 for every metric the mode
 * measures (the contract's rule). A broker that cannot be reached, refuses the credentials,
 * answers 5xx or times out makes {@link #poll()} throw; nothing is turned into 0. The next poll
 * reconnects by itself.
 */
public final class RabbitMqSource implements QueueSource {

    /** Bounds each HTTP request and each AMQP connect, handshake and RPC. */
    public static final Duration DEFAULT_TIMEOUT = AmqpEndpoint.DEFAULT_TIMEOUT;
    /**
     * prometheusUri: the least time between two background management listings (at least the poll
     * interval). The listing is what the mode avoids on every poll (seconds at 10,000 queues); the
     * rates it serves are one-minute means, which a listing every 30 s follows closely enough.
     */
    static final Duration LEAST_LISTING_INTERVAL = Duration.ofSeconds(30);

    private final String name;
    private final List<String> vhosts;
    private final QueueSelection selection;
    private final ManagementApiClient management;
    /** Management mode: the listing each poll makes; null otherwise. */
    private final ManagementListing listing;
    /** prometheusUri mode; null otherwise. */
    private final PrometheusQueuePoll prometheus;
    /** prometheusUri mode: the rates and ages from a listing apart from the counts poll; null otherwise. */
    private final BackgroundManagementListing rates;
    private final Map<String, PassiveDeclareCounter> counters;
    private final boolean liveReady;
    /** queuePattern: discovery beyond this many queues (all vhosts together) fails the poll. */
    private final int maxQueues;
    private final java.util.function.IntFunction<String> tooManyQueues;
    /** Queues discovered so far in the current poll, over its vhosts. */
    private int discoveredTotal;

    /** A source without {@code prometheusUri}, which needs no background work. */
    public RabbitMqSource(SourceConfig config) {
        this(config, null);
    }

    /**
     * The source described by one validated {@code sources[i]} of type rabbitmq.
     *
     * @param background where the prometheusUri mode's management listing runs: the worker pool
     *                   (it blocks for seconds); only required with {@code prometheusUri}
     */
    public RabbitMqSource(SourceConfig config, Executor background) {
        this(config, DEFAULT_TIMEOUT, ManagementApiClient.MAX_PAGE_SIZE, Clock.systemUTC(), background, System::nanoTime);
    }

    /** With an explicit timeout and management page size (tests). */
    RabbitMqSource(SourceConfig config, Duration timeout, int pageSize) {
        this(config, timeout, pageSize, Clock.systemUTC(), null, System::nanoTime);
    }

    /** With an explicit timeout, management page size and clock (tests; the clock dates publish samples). */
    RabbitMqSource(SourceConfig config, Duration timeout, int pageSize, Clock clock) {
        this(config, timeout, pageSize, clock, null, System::nanoTime);
    }

    /** Everything explicit (tests): {@code ticker} (monotonic nanoseconds) dates the background listings. */
    RabbitMqSource(SourceConfig config, Duration timeout, int pageSize, Clock clock, Executor background,
                   LongSupplier ticker) {
        if (config.type() != SourceType.RABBITMQ) {
            throw new IllegalArgumentException("source '" + config.name() + "' is of type "
                    + config.type().configName() + ", not rabbitmq");
        }
        this.name = config.name();
        this.maxQueues = config.maxQueues();
        this.tooManyQueues = config::tooManyQueues;
        if (config.queuePattern() != null && config.managementUri() == null) {
            throw new IllegalArgumentException("sources[name=" + name + "].queuePattern needs managementUri for "
                    + "rabbitmq: queues cannot be listed over AMQP");
        }
        if (config.queuePattern() == null && config.queues().isEmpty()) {
            throw new IllegalArgumentException("sources[name=" + name + "] needs queues or queuePattern");
        }
        if (config.amqpUri() == null && (config.managementUri() == null || config.vhosts().isEmpty())) {
            throw new IllegalArgumentException("sources[name=" + name + "].amqpUri is required for rabbitmq "
                    + "(it may be left out only with managementUri and vhosts)");
        }
        this.vhosts = config.vhosts().isEmpty() ? List.of(RabbitMqUris.vhostOf(config.amqpUri())) : config.vhosts();
        this.selection = config.queuePattern() != null
                ? QueueSelection.pattern(config.queuePattern())
                : QueueSelection.fixed(config.queues());
        BrokerTls tls = BrokerTls.of(config.tlsCaFile());
        this.management = config.managementUri() == null ? null : new ManagementApiClient(config.managementUri(),
                RabbitMqUris.credentials(config.managementUri(), config.amqpUri()), timeout, pageSize, tls);
        if (config.prometheusUri() != null && management == null) {
            throw new IllegalArgumentException("sources[name=" + name + "].prometheusUri needs managementUri "
                    + "(queues missing from the scrape are looked up there)");
        }
        this.prometheus = config.prometheusUri() == null ? null : new PrometheusQueuePoll(name, selection,
                new PrometheusQueueClient(config.prometheusUri(), timeout, tls), management);
        ManagementListing listed = management == null ? null : new ManagementListing(name, selection, management, clock);
        this.listing = prometheus == null ? listed : null;
        this.rates = prometheus == null ? null : backgroundListing(config, listed, background, timeout, ticker);
        // With Celery worker tracking, ready is read live over AMQP even when the management API is
        // used: its counts lag by the statistics interval (5 s), while the running and prefetched
        // tasks come live from the workers, and mixing the two would count a burst twice or not at all.
        this.liveReady = config.amqpUri() != null
                && (management == null || config.workers() == WorkerKind.CELERY);
        Map<String, PassiveDeclareCounter> byVhost = new LinkedHashMap<>();
        if (liveReady) {
            for (String vhost : vhosts) {
                byVhost.put(vhost, new PassiveDeclareCounter(new AmqpEndpoint(config.amqpUri(), tls, timeout), vhost,
                        connectionName(name)));
            }
        }
        this.counters = byVhost;
    }

    /**
     * A listing at most every max(pollInterval, 30 s); its values are served as long as the source's
     * own would be after polls start failing: until maxStaleness past the next listing's due time.
     */
    private BackgroundManagementListing backgroundListing(SourceConfig config, ManagementListing listed,
                                                          Executor background, Duration timeout, LongSupplier ticker) {
        Objects.requireNonNull(background, "prometheusUri needs an executor for the management listing");
        Duration refresh = config.pollInterval().compareTo(LEAST_LISTING_INTERVAL) > 0
                ? config.pollInterval() : LEAST_LISTING_INTERVAL;
        return new BackgroundManagementListing(name, vhosts, listed, background, refresh,
                refresh.plus(config.maxStaleness()), timeout, ticker);
    }

    /** The client-provided AMQP connection name, as the management UI and rabbitmqctl show it. */
    public static String connectionName(String source) {
        return "queue-metrics-adapter/" + source;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SourceSnapshot poll() throws IOException, InterruptedException {
        Instant takenAt = Instant.now();
        List<QueueSample> samples = new ArrayList<>();
        if (rates != null) {
            rates.refreshIfDue(); // never waits: the listing runs on the worker pool
        }
        for (String vhost : vhosts) {
            if (management != null) {
                pollManagement(vhost, samples);
            } else {
                pollAmqp(vhost, samples);
            }
        }
        return new SourceSnapshot(name, takenAt, samples);
    }

    private void pollManagement(String vhost, List<QueueSample> out) throws IOException, InterruptedException {
        if (vhost.equals(vhosts.get(0))) {
            discoveredTotal = 0; // a new poll
        }
        int first = out.size();
        if (prometheus != null) {
            countDiscovered(prometheus.poll(vhost, out));
            rates.merge(vhost, out, first);
        } else {
            out.addAll(listing.list(vhost));
            if (!selection.isFixed()) {
                countDiscovered(out.size() - first);
            }
        }
        if (liveReady) {
            withLiveReady(vhost, out, first);
        }
    }

    /** Replaces ready and consumers of {@code out[first..]} with live passive-declare counts. */
    private void withLiveReady(String vhost, List<QueueSample> out, int first) throws IOException {
        List<String> names = new ArrayList<>(out.size() - first);
        for (int i = first; i < out.size(); i++) {
            names.add(out.get(i).queue());
        }
        Map<String, PassiveDeclareCounter.QueueCount> live = counters.get(vhost).count(names);
        for (int i = first; i < out.size(); i++) {
            QueueSample sample = out.get(i);
            PassiveDeclareCounter.QueueCount c = live.get(sample.queue());
            long ready = c == null ? 0 : c.ready();
            QueueSample updated = sample.with(QueueMetric.READY, ready)
                    .with(QueueMetric.CONSUMERS, c == null ? 0 : c.consumers());
            if (sample.value(QueueMetric.UNACKED).isPresent()) {
                updated = updated.with(QueueMetric.OUTSTANDING, ready + sample.value(QueueMetric.UNACKED).getAsDouble());
            } else {
                updated = updated.with(QueueMetric.OUTSTANDING, ready);
            }
            out.set(i, updated);
        }
    }

    /** queuePattern: adds one vhost's discoveries; beyond maxQueues the poll fails (never a partial set). */
    private void countDiscovered(int queues) throws IOException {
        discoveredTotal += queues;
        if (discoveredTotal > maxQueues) {
            throw new IOException(tooManyQueues.apply(discoveredTotal));
        }
    }

    private void pollAmqp(String vhost, List<QueueSample> out) throws IOException {
        Map<String, PassiveDeclareCounter.QueueCount> counts = counters.get(vhost).count(selection.fixedQueues());
        for (String queue : selection.fixedQueues()) {
            PassiveDeclareCounter.QueueCount c = counts.get(queue);
            long ready = c == null ? 0 : c.ready();
            long consumers = c == null ? 0 : c.consumers();
            // AMQP sees ready messages only: outstanding = ready here. Unacked (prefetched) needs
            // managementUri; running tasks need worker tracking, which adds them when configured.
            out.add(QueueSample.builder(name, queue).label(QueueSample.LABEL_VHOST, vhost)
                    .value(QueueMetric.READY, ready)
                    .value(QueueMetric.CONSUMERS, consumers)
                    .value(QueueMetric.OUTSTANDING, ready)
                    .build());
        }
    }

    /** The vhosts this source polls (from {@code vhosts:}, else the amqpUri's). */
    public List<String> vhosts() {
        return vhosts;
    }

    @Override
    public void close() {
        if (rates != null) {
            rates.close();
        }
        for (PassiveDeclareCounter counter : counters.values()) {
            counter.close();
        }
    }

    @Override
    public String toString() {
        return "RabbitMqSource[" + name + ", " + (management == null ? "AMQP" : management.describe())
                + (prometheus == null ? "" : " + Prometheus endpoint") + ", vhosts="
                + vhosts + "]";
    }
}
