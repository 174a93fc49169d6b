package io.github.queuemetrics.adapter.workers.rq;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * RQ worker tracking: one pipelined read of the worker registry per poll. RQ's running jobs are
 * already counted by the source (the started registry), so this adds only the workers_* metrics
 * and the probe.
 */
public final class RqWorkerTracker implements WorkerTracker {

    private final Supplier<UnifiedJedis> connect;
    private final RqWorkerView view;
    private UnifiedJedis redis;
    private RqWorkerReader reader;

    /** @param endpoint the source's Redis (TLS trust, deadlines, client name) */
    public RqWorkerTracker(RedisEndpoint endpoint, RqWorkerView view) {
        this(() -> new JedisPooled(endpoint.hostAndPort(), endpoint.clientConfig()), view);
    }

    RqWorkerTracker(Supplier<UnifiedJedis> connect, RqWorkerView view) {
        this.connect = connect;
        this.view = view;
    }

    @Override
    public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
        if (reader == null) {
            redis = connect.get();
            reader = new RqWorkerReader(redis);
        }
        Map<String, RqQueueWorkers> perQueue;
        try {
            perQueue = view.update(reader.read(), queues);
        } catch (RuntimeException e) {
            disconnect();
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

    private void disconnect() {
        if (redis != null) {
            try {
                redis.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        redis = null;
        reader = null;
    }

    @Override
    public void close() {
        disconnect();
    }
}
