package io.github.queuemetrics.adapter.workers.rq;

import io.github.queuemetrics.adapter.redis.RedisConnection;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RQ worker tracking: one pipelined read of the worker registry per poll. RQ's running jobs are
 * already counted by the source (the started registry), so this adds only the workers_* metrics
 * and the probe.
 */
public final class RqWorkerTracker implements WorkerTracker {

    private final RedisConnection connection;
    private final RqWorkerView view;
    private final RqWorkerReader reader;

    /** @param endpoint the source's Redis (TLS trust, deadlines, client name) */
    public RqWorkerTracker(RedisEndpoint endpoint, RqWorkerView view) {
        this.connection = new RedisConnection(endpoint);
        this.view = view;
        this.reader = new RqWorkerReader(() -> connection.get().pipelined(), Clock.systemUTC(),
                RqWorkerReader.DEFAULT_FORGET_AFTER);
    }

    @Override
    public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
        Map<String, RqQueueWorkers> perQueue;
        try {
            perQueue = view.update(reader.read(), queues);
        } catch (RuntimeException e) {
            connection.discard();
            throw e;
        }
        Map<String, QueueWorkers> result = new HashMap<>();
        perQueue.forEach((queue, w) -> result.put(queue, new QueueWorkers(-1, 0, -1, w.total(), w.busy(),
                w.utilization())));
        return result;
    }

    @Override
    public ProbeResult probe(String worker, Instant now) {
        return view.probe(worker, now);
    }

    @Override
    public List<WorkerSummary> workers(Instant now) {
        return view.workers().stream()
                .map(w -> new WorkerSummary(w.name(),
                        view.liveness(w.name(), now).map(l -> l.status().live()).orElse(false),
                        w.busy() ? 1 : 0, 1))
                .toList();
    }

    @Override
    public boolean knows(String worker) {
        return view.worker(worker).isPresent();
    }

    @Override
    public void close() {
        connection.close();
    }
}
