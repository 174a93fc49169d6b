package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.WorkloadReplicaReader.Replicas;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code workload_replicas} ({@code .status.replicas}) and {@code workload_desired_replicas}
 * ({@code .spec.replicas}) of every guarded workload, labelled {@code namespace, workload, source,
 * queue} (the queue its HPA's External metric selects, "" without one), so a dashboard can draw the
 * replicas against the queue's outstanding tasks. {@link #refresh} reads them (the module runs it
 * periodically on the worker pool). A Kubernetes API failure leaves the last values (logged: a
 * dashboard then shows a flat line rather than a gap, and the next refresh corrects it); a workload
 * that does not exist (any more) has no gauges. One refresh at a time.
 */
final class WorkloadReplicaGauges {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadReplicaGauges.class);

    /** How often the module refreshes them: the HPA's own sync period. */
    static final java.time.Duration PERIOD = java.time.Duration.ofSeconds(15);

    /** The two gauges of one workload, under one queue label; values set by refresh. */
    private record Shown(String queue, AtomicInteger current, AtomicInteger desired, List<Gauge> gauges) {
    }

    private final MeterRegistry registry;
    private final WorkloadReplicaReader reader;
    private final List<Workload> workloads;
    private final Map<Workload, Shown> shown = new HashMap<>();

    WorkloadReplicaGauges(MeterRegistry registry, WorkloadReplicaReader reader, List<Workload> workloads) {
        this.registry = registry;
        this.reader = reader;
        this.workloads = List.copyOf(workloads);
    }

    /** Reads every workload once (one HPA list per namespace). Blocking; never throws. */
    synchronized void refresh() {
        Map<String, List<HorizontalPodAutoscaler>> hpas = new HashMap<>();
        for (Workload workload : workloads) {
            try {
                List<HorizontalPodAutoscaler> inNamespace = hpas.get(workload.namespace());
                if (inNamespace == null) {
                    inNamespace = reader.hpas(workload.namespace());
                    hpas.put(workload.namespace(), inNamespace);
                }
                show(workload, reader.read(workload, inNamespace));
            } catch (RuntimeException e) {
                LOG.warn("{}: reading its replicas failed; workload_replicas keeps its last value: {}",
                        workload.describe(), e.toString());
            }
        }
    }

    private void show(Workload workload, Optional<Replicas> read) {
        Shown before = shown.get(workload);
        if (before != null && (read.isEmpty() || !before.queue().equals(read.get().queue()))) {
            before.gauges().forEach(registry::remove);
            shown.remove(workload);
            before = null;
        }
        if (read.isEmpty()) {
            return;
        }
        Shown now = before != null ? before : register(workload, read.get().queue());
        now.current().set(read.get().current());
        now.desired().set(read.get().desired());
    }

    private Shown register(Workload workload, String queue) {
        AtomicInteger current = new AtomicInteger();
        AtomicInteger desired = new AtomicInteger();
        List<Gauge> gauges = List.of(
                gauge("workload.replicas", "current replicas of a workload the scale-down hook guards (.status.replicas)",
                        workload, queue, current),
                gauge("workload.desired.replicas", "replicas asked for (.spec.replicas, what the HPA set)",
                        workload, queue, desired));
        Shown s = new Shown(queue, current, desired, gauges);
        shown.put(workload, s);
        return s;
    }

    private Gauge gauge(String name, String help, Workload workload, String queue, AtomicInteger value) {
        return Gauge.builder(name, value, AtomicInteger::get).description(help)
                .tag("namespace", workload.namespace()).tag("workload", workload.name())
                .tag("source", workload.source()).tag("queue", queue).strongReference(true).register(registry);
    }
}
