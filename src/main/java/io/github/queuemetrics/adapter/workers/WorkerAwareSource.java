package io.github.queuemetrics.adapter.workers;

import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.source.rate.QueueFlow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A source whose broker counts are completed by what the workers report ({@code workers:} in the
 * configuration). The broker cannot see a Celery task that was acknowledged when it started, so
 * without this a queue looks empty while every worker is busy.
 *
 * <p>Per queue it sets {@code queue_running} (Celery), adds the running tasks that are in no broker
 * count to {@code queue_outstanding}, and sets {@code workers_total}, {@code workers_busy},
 * {@code workers_utilization}; on Redis brokers, which have no consumer count, also
 * {@code queue_consumers} = live workers consuming the queue.
 *
 * <p>When the tracker counts the tasks the workers started (Celery) and the broker sample has no
 * rates (Redis has no counters; RabbitMQ without {@code managementUri}), it also sets {@code
 * queue_completion_rate} = tasks started per second and {@code queue_arrival_rate} = started +
 * growth of the tasks not started yet (outstanding - running), both over the last minute, absent
 * until two polls are known. Over a minute the start rate is the throughput, shifted by the tasks'
 * run time.
 */
public final class WorkerAwareSource implements QueueSource {

    private final QueueSource broker;
    private final WorkerTracker tracker;
    private final boolean workersAreConsumers;
    private final Clock clock;
    private final Map<String, StartFlow> flows = new HashMap<>();

    /**
     * Rates over one minute. The carry covers the lag of the started count: it comes with the
     * workers' heartbeats (every 2 s by default), the queue lengths are read live.
     */
    static final Duration RATE_WINDOW = Duration.ofMinutes(1);
    static final Duration STARTS_LAG_CARRY = Duration.ofSeconds(15);

    /** One queue's started count across polls. */
    private static final class StartFlow {
        final QueueFlow flow = new QueueFlow(RATE_WINDOW, STARTS_LAG_CARRY);
        double lastStarted = Double.NaN;

        void update(Instant at, double started, double waiting) {
            if (Double.isNaN(lastStarted) || started < lastStarted) {
                flow.restart(at, waiting); // first poll, or the tracker's count started again
            } else {
                flow.advance(at, started - lastStarted, waiting);
            }
            lastStarted = started;
        }
    }

    public WorkerAwareSource(QueueSource broker, WorkerTracker tracker, SourceType type, Clock clock) {
        this.broker = broker;
        this.tracker = tracker;
        this.workersAreConsumers = type != SourceType.RABBITMQ;
        this.clock = clock;
    }

    public WorkerTracker tracker() {
        return tracker;
    }

    @Override
    public String name() {
        return broker.name();
    }

    /**
     * Broker first, workers second: a task that moves from the broker to a worker in between is
     * counted twice rather than missed (an overcount of one poll scales up a little, an undercount
     * could scale a busy worker away).
     */
    @Override
    public SourceSnapshot poll() throws Exception {
        SourceSnapshot counts = broker.poll();
        Instant now = clock.instant();
        Map<String, QueueWorkers> workers = tracker.refresh(counts, now);
        List<QueueSample> merged = new ArrayList<>(counts.queues().size());
        Map<String, StartFlow> live = new HashMap<>();
        for (QueueSample sample : counts.queues()) {
            QueueWorkers w = workers.get(sample.queue());
            QueueSample m = w == null ? sample : merge(sample, w);
            if (w != null && w.countsStarts()) {
                m = withRates(m, w, now, live);
            }
            merged.add(m);
        }
        flows.keySet().retainAll(live.keySet());
        return new SourceSnapshot(counts.source(), counts.takenAt(), merged);
    }

    private QueueSample merge(QueueSample sample, QueueWorkers w) {
        QueueSample result = sample
                .with(QueueMetric.WORKERS_TOTAL, w.total())
                .with(QueueMetric.WORKERS_BUSY, w.busy())
                .with(QueueMetric.WORKERS_UTILIZATION, w.utilization());
        if (w.reportsRunning()) {
            result = result.with(QueueMetric.RUNNING, w.running());
            if (w.prefetched() >= 0) {
                // RabbitMQ: the management API's unacked lags by its statistics interval (5 s), so
                // a burst would be counted in no place or in two. The workers' own lists, read in
                // this poll, give what is delivered and not finished: prefetched, plus running
                // tasks not yet acknowledged (acks_late). Unless every consumer answered, they
                // only replace a lower broker count: a consumer that did not answer (no Celery
                // worker, or one that stopped answering) holds tasks only the broker sees. Ready
                // comes live from the broker.
                double fromWorkers = w.prefetched() + (w.running() - w.unseenByBroker());
                double unacked = w.accountsForEveryConsumer() ? fromWorkers
                        : Math.max(fromWorkers, sample.value(QueueMetric.UNACKED).orElse(0));
                result = result.with(QueueMetric.UNACKED, unacked)
                        .with(QueueMetric.OUTSTANDING, sample.value(QueueMetric.READY).orElse(0)
                                + unacked + w.unseenByBroker());
            } else {
                double outstanding = sample.value(QueueMetric.OUTSTANDING).orElse(0) + w.unseenByBroker();
                result = result.with(QueueMetric.OUTSTANDING, outstanding);
            }
        }
        if (workersAreConsumers) {
            result = result.with(QueueMetric.CONSUMERS, w.total());
        }
        return result;
    }

    /** Fills the rates the broker sample lacks from the tasks the workers started. */
    private QueueSample withRates(QueueSample sample, QueueWorkers w, Instant now, Map<String, StartFlow> live) {
        StartFlow flow = flows.computeIfAbsent(sample.queue(), q -> new StartFlow());
        live.put(sample.queue(), flow);
        // Started tasks left the waiting ones: arrivals = started + growth of (outstanding - running).
        double waiting = Math.max(0, sample.value(QueueMetric.OUTSTANDING).orElse(0) - Math.max(0, w.running()));
        flow.update(now, w.started(), waiting);
        QueueSample result = sample;
        if (sample.value(QueueMetric.COMPLETION_RATE).isEmpty()) {
            var rate = flow.flow.completionRate();
            if (rate.isPresent()) {
                result = result.with(QueueMetric.COMPLETION_RATE, rate.getAsDouble());
            }
        }
        if (sample.value(QueueMetric.ARRIVAL_RATE).isEmpty()) {
            var rate = flow.flow.arrivalRate();
            if (rate.isPresent()) {
                result = result.with(QueueMetric.ARRIVAL_RATE, rate.getAsDouble());
            }
        }
        return result;
    }

    @Override
    public void close() {
        tracker.close();
        broker.close();
    }
}
