package io.github.queuemetrics.adapter.workers;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.WorkerKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every worker tracker of the adapter, for the readiness probes on the management port:
 * {@code /probe/celery/{nodename}}, {@code /probe/rq/{worker}} and {@code /probe/pod/{namespace}/{pod}}.
 * Lookups read in-memory state only.
 */
public final class WorkerDirectory {

    /** A source with worker tracking. */
    public record Entry(SourceConfig source, WorkerTracker tracker) {
    }

    /** Written at start-up, read by every probe: copy on write, no lock on the read path. */
    private volatile List<Entry> entries = List.of();
    /** Set once when the scale-down hook starts; draining workers read as not ready first. */
    private volatile DrainingWorkers draining = DrainingWorkers.NONE;

    public synchronized void add(SourceConfig source, WorkerTracker tracker) {
        List<Entry> more = new ArrayList<>(entries);
        more.add(new Entry(source, tracker));
        entries = List.copyOf(more);
    }

    public void drainingFrom(DrainingWorkers draining) {
        this.draining = draining;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The probe of {@code worker} among sources tracking {@code kind} workers. */
    public ProbeResult probe(WorkerKind kind, String worker, Instant now) {
        Optional<String> drain = draining.drainingWorker(worker, now);
        if (drain.isPresent()) {
            return ProbeResult.notReady(drain.get());
        }
        List<Entry> candidates = entries().stream().filter(e -> e.source().workers() == kind).toList();
        if (candidates.isEmpty()) {
            return ProbeResult.notReady("no source tracks " + kind.configName() + " workers (set workers: "
                    + kind.configName() + " on a source)");
        }
        return probeFirstKnowing(candidates, worker, now);
    }

    /**
     * The probe of the worker that runs in {@code pod}: each source visible to {@code namespace}
     * maps the pod name through its {@code podWorkerTemplate}.
     */
    public ProbeResult probePod(String namespace, String pod, Instant now) {
        Optional<String> drain = draining.drainingPod(namespace, pod, now);
        if (drain.isPresent()) {
            return ProbeResult.notReady(drain.get());
        }
        List<String> tried = new ArrayList<>();
        for (Entry entry : entries()) {
            if (!entry.source().visibleTo(namespace)) {
                continue;
            }
            String worker = entry.source().workerNameOfPod(pod);
            if (entry.tracker().knows(worker)) {
                return entry.tracker().probe(worker, now);
            }
            tried.add(worker + " (source " + entry.source().name() + ")");
        }
        return ProbeResult.notReady(tried.isEmpty()
                ? "no source with worker tracking is visible to namespace " + namespace
                : "pod " + namespace + "/" + pod + " maps to no known worker; tried " + String.join(", ", tried));
    }

    private static ProbeResult probeFirstKnowing(List<Entry> candidates, String worker, Instant now) {
        for (Entry entry : candidates) {
            if (entry.tracker().knows(worker)) {
                return entry.tracker().probe(worker, now);
            }
        }
        // Let the tracker word the answer (e.g. "not polled yet" vs "unknown worker").
        return candidates.get(0).tracker().probe(worker, now);
    }
}
