package io.github.queuemetrics.adapter.workers;

import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * The workers behind a source: who is alive, what they run, and whether a worker should count as
 * ready. One implementation per worker kind (Celery, RQ).
 *
 * <p>{@link #refresh} runs on the broker worker pool once per poll (for Celery: one {@code active}
 * broadcast for all workers, never one request per worker per HPA call); {@link #probe} runs on an
 * event loop and must only read in-memory state.
 */
public interface WorkerTracker extends AutoCloseable {

    /**
     * Asks the workers what they do now and returns the view per queue (queues no worker consumes
     * are present with zeros). Throws when the workers' state cannot be known: the poll then fails
     * rather than serve an outstanding count that misses running tasks.
     */
    Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) throws Exception;

    /**
     * As {@link #refresh(Collection, Instant)} for the queues of the broker's counts of this poll,
     * which a tracker may use too (Celery: the consumer counts tell whether every consumer answered).
     */
    default Map<String, QueueWorkers> refresh(SourceSnapshot counts, Instant now) throws Exception {
        return refresh(counts.queues().stream().map(QueueSample::queue).toList(), now);
    }

    /** Readiness of one worker from the last refresh and events; no I/O. */
    ProbeResult probe(String worker, Instant now);

    /** Every worker seen recently, for the per-worker gauges on /metrics; no I/O. */
    java.util.List<WorkerSummary> workers(Instant now);

    /** True when this tracker has seen the worker (alive or recently gone). */
    boolean knows(String worker);

    @Override
    void close();
}
