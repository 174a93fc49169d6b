package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The hook's counters on /metrics: {@code adapter_scaledown_reviews_total{kind,namespace,name,outcome}}
 * (outcome: allowed, denied, drain-timeout, failed-open), {@code adapter_scaledown_drains_started_total}
 * and {@code adapter_scaledown_drains_undone_total} (per workload).
 */
public final class ScaleDownMetrics {

    private final MeterRegistry registry;

    public ScaleDownMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code workload} may be null for requests that name no guarded workload. */
    void reviewed(ScaleRequest request, String outcome) {
        counter("adapter.scaledown.reviews", "scale reviews answered by the pre-scale-down hook", request)
                .tag("outcome", outcome).register(registry).increment();
    }

    void drainStarted(Workload workload) {
        counter("adapter.scaledown.drains.started", "pods whose workers were told to stop taking tasks", workload)
                .register(registry).increment();
    }

    void drainUndone(Workload workload) {
        counter("adapter.scaledown.drains.undone", "drained pods given their queues back (not removed after all)",
                workload).register(registry).increment();
    }

    private static Counter.Builder counter(String name, String help, ScaleRequest request) {
        return Counter.builder(name).description(help)
                .tag("kind", request == null ? "" : request.kind().configName())
                .tag("namespace", request == null ? "" : String.valueOf(request.namespace()))
                .tag("name", request == null ? "" : String.valueOf(request.name()));
    }

    private static Counter.Builder counter(String name, String help, Workload workload) {
        return Counter.builder(name).description(help).tag("kind", workload.kind().configName())
                .tag("namespace", workload.namespace()).tag("name", workload.name());
    }
}
