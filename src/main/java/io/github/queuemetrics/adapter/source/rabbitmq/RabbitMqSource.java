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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *     instead of the listing, no rates and no oldest age ({@link PrometheusQueuePoll}).</li>
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

    private final String name;
    private final List<String> vhosts;
    private final QueueSelection selection;
    private final ManagementApiClient management;
    /** prometheusUri mode; null otherwise. */
    private final PrometheusQueuePoll prometheus;
    private final Map<String, PassiveDeclareCounter> counters;
    private final boolean liveReady;
    private final OldestAgeEstimator oldestAge;
    /** queuePattern: the queues of the last listing per vhost (polls are serial). */
    private final Map<String, List<String>> discovered = new HashMap<>();
    /** queuePattern: discovery beyond this many queues (all vhosts together) fails the poll. */
    private final int maxQueues;
    private final java.util.function.IntFunction<String> tooManyQueues;
    /** Queues discovered so far in the current poll, over its vhosts. */
    private int discoveredTotal;
    private final Clock clock;

    /** The source described by one validated {@code sources[i]} of type rabbitmq. */
    public RabbitMqSource(SourceConfig config) {
        this(config, DEFAULT_TIMEOUT, ManagementApiClient.MAX_PAGE_SIZE, Clock.systemUTC());
    }

    /** With an explicit timeout and management page size (tests). */
    RabbitMqSource(SourceConfig config, Duration timeout, int pageSize) {
        this(config, timeout, pageSize, Clock.systemUTC());
    }

    /** With an explicit timeout, management page size and clock (tests; the clock dates publish samples). */
    RabbitMqSource(SourceConfig config, Duration timeout, int pageSize, Clock clock) {
        this.clock = clock;
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
        this.oldestAge = management == null ? null : new OldestAgeEstimator();
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
        } else {
            listManagement(vhost, out);
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

    private void listManagement(String vhost, List<QueueSample> out) throws IOException, InterruptedException {
        // queues that existed before this listing: looked up by name if paging skipped them
        Collection<String> expected = selection.isFixed()
                ? selection.fixedQueues() : discovered.getOrDefault(vhost, List.of());
        List<ManagementQueue> listed = management.listQueues(vhost, expected);
        long listedAt = clock.millis();
        oldestAge.beginPoll(vhost);
        if (selection.isFixed()) {
            Map<String, ManagementQueue> byName = new HashMap<>(listed.size() * 2);
            for (ManagementQueue q : listed) {
                byName.put(q.name(), q);
            }
            for (String queue : selection.fixedQueues()) {
                ManagementQueue q = byName.get(queue);
                out.add(q != null ? managementSample(q, vhost, listedAt) : missingManagementQueue(queue, vhost));
            }
        } else {
            List<String> names = new ArrayList<>();
            for (ManagementQueue q : listed) { // each queue once (ManagementApiClient)
                if (selection.discovers(q.name())) {
                    out.add(managementSample(q, vhost, listedAt));
                    names.add(q.name());
                }
            }
            discovered.put(vhost, names);
            countDiscovered(names.size());
        }
        oldestAge.endPoll(vhost); // forgets the histories of queues that are gone or not reported
    }

    /** queuePattern: adds one vhost's discoveries; beyond maxQueues the poll fails (never a partial set). */
    private void countDiscovered(int queues) throws IOException {
        discoveredTotal += queues;
        if (discoveredTotal > maxQueues) {
            throw new IOException(tooManyQueues.apply(discoveredTotal));
        }
    }

    private QueueSample managementSample(ManagementQueue q, String vhost, long listedAt) {
        QueueSample.Builder b = QueueSample.builder(name, q.name()).label(QueueSample.LABEL_VHOST, vhost);
        if (q.countsKnown()) {
            b.value(QueueMetric.READY, q.ready());
            b.value(QueueMetric.UNACKED, q.unacked());
            // outstanding = ready + unacked. Tasks executing under Celery's default early ack are
            // in neither count (acked at start); worker tracking adds them, with queue_running,
            // via QueueSample.with(OUTSTANDING, ready + unacked + running-early-acked).
            b.value(QueueMetric.OUTSTANDING, q.ready() + q.unacked());
        }
        if (q.consumers() != ManagementQueue.UNKNOWN) {
            b.value(QueueMetric.CONSUMERS, q.consumers());
        }
        // arrival = publishes into the queue. completion = acks: Celery acks a task when it
        // starts by default (so this is "tasks started per second"), and when it finished with
        // acks_late. Absent message_stats on an existing queue means no such traffic: 0.
        // A negative rate from the plugin (counter reset) arrives as NaN: absent for this poll.
        if (!Double.isNaN(q.publishRate())) {
            b.value(QueueMetric.ARRIVAL_RATE, q.publishRate());
        }
        if (!Double.isNaN(q.ackRate())) {
            b.value(QueueMetric.COMPLETION_RATE, q.ackRate());
        }
        // dated from the publish counter's history: see PublishHistory for the method and limits
        double age = oldestAge.ageSeconds(vhost, q.name(), listedAt, q.published(), q.delivered(), q.ready());
        if (!Double.isNaN(age)) {
            b.value(QueueMetric.OLDEST_AGE_SECONDS, age);
        }
        return b.build();
    }

    private QueueSample missingManagementQueue(String queue, String vhost) {
        return QueueSample.builder(name, queue).label(QueueSample.LABEL_VHOST, vhost)
                .value(QueueMetric.READY, 0)
                .value(QueueMetric.UNACKED, 0)
                .value(QueueMetric.OUTSTANDING, 0)
                .value(QueueMetric.CONSUMERS, 0)
                .value(QueueMetric.ARRIVAL_RATE, 0)
                .value(QueueMetric.COMPLETION_RATE, 0)
                .value(QueueMetric.OLDEST_AGE_SECONDS, 0)
                .build();
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
