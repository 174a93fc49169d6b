package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.source.pulp.PulpWorkerReader;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorker;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorkers;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pulp workers, read live from Pulp's database (heartbeats and running tasks, one query) on the
 * hook's own read-only connection. Worker names are pod names ({@code podWorkerTemplate: {pod}}):
 * Pulp names a worker {@code pid@hostname} and the hostname is the pod's name.
 *
 * <p><b>Pulp has no per-worker "stop taking tasks" command</b> (its only signal to one worker is
 * a task cancel). So a drain stops nothing: the pod is marked (its probe reads "draining"), and
 * the scale-down is denied while a victim runs a task. What this guarantees: a task a victim runs
 * when the HPA asks is not interrupted by this scale-down. A task a victim picks between the
 * allowed review and its pod's SIGTERM is finished by pulpcore-worker's graceful shutdown (on
 * SIGTERM it takes no new task and waits for the running one) provided the pod's
 * {@code terminationGracePeriodSeconds} exceeds the longest task; else the kubelet's SIGKILL ends
 * it, and another worker marks it failed ("Worker has gone missing"), as without the hook.
 */
public final class PulpWorkerControl extends WaitOnlyWorkerControl implements AutoCloseable {

    /**
     * One review asks about every victim (alive, then loads): a read this young answers all of it in
     * one round trip instead of one per question, which matters inside the hook's 900 ms budget.
     */
    static final long REUSE_NANOS = 250_000_000L;

    private final PulpWorkerReader reader;
    private List<PulpWorker> lastRead;
    private long lastReadAt;

    PulpWorkerControl(PulpWorkerReader reader) {
        this.reader = reader;
    }

    /** A connection of its own to the source's database, named {@code qma-<source>-scale-down}. */
    public static PulpWorkerControl forSource(SourceConfig source) {
        return new PulpWorkerControl(new PulpWorkerReader(source.pulp(), "qma-" + source.name() + "-scale-down"));
    }

    @Override
    public void warmUp() {
        read();
    }

    /** Alive while its heartbeat is within Pulp's timeout: a gone worker runs nothing. */
    @Override
    public boolean alive(String worker) {
        return PulpWorkers.find(read(), worker).map(PulpWorker::alive).orElse(false);
    }

    /** A live worker's running task; a gone worker's task is not running anywhere (Pulp will fail it). */
    @Override
    public Map<String, WorkerLoad> loads(List<String> workers) {
        List<PulpWorker> all = read();
        Map<String, WorkerLoad> loads = new LinkedHashMap<>();
        for (String name : workers) {
            List<RunningTask> running = PulpWorkers.find(all, name).filter(w -> w.alive() && w.busy())
                    .map(w -> List.of(new RunningTask(w.task().name(), w.task().id()))).orElse(List.of());
            loads.put(name, new WorkerLoad(running, 0));
        }
        return loads;
    }

    private synchronized List<PulpWorker> read() {
        long now = System.nanoTime();
        if (lastRead != null && now - lastReadAt < REUSE_NANOS) {
            return lastRead;
        }
        try {
            lastRead = reader.read();
            lastReadAt = now;
            return lastRead;
        } catch (SQLException e) {
            lastRead = null;
            throw new UncheckedIOException(new IOException(e.getMessage(), e));
        }
    }

    @Override
    public void close() {
        reader.close();
    }
}
