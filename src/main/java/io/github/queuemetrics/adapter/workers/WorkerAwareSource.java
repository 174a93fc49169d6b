package io.github.queuemetrics.adapter.workers;

import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import java.time.Clock;
import java.util.ArrayList;
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
 */
public final class WorkerAwareSource implements QueueSource {

    private final QueueSource broker;
    private final WorkerTracker tracker;
    private final boolean workersAreConsumers;
    private final Clock clock;

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
        List<String> queues = counts.queues().stream().map(QueueSample::queue).toList();
        Map<String, QueueWorkers> workers = tracker.refresh(queues, clock.instant());
        List<QueueSample> merged = new ArrayList<>(counts.queues().size());
        for (QueueSample sample : counts.queues()) {
            QueueWorkers w = workers.get(sample.queue());
            merged.add(w == null ? sample : merge(sample, w));
        }
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
                // tasks not yet acknowledged (acks_late). Ready comes live from the broker.
                long unacked = w.prefetched() + (w.running() - w.unseenByBroker());
                result = result.with(QueueMetric.UNACKED, unacked)
                        .with(QueueMetric.OUTSTANDING, sample.value(QueueMetric.READY).orElse(0)
                                + w.prefetched() + w.running());
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

    @Override
    public void close() {
        tracker.close();
        broker.close();
    }
}
