package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The hook's counters on /metrics, named as the dashboards and alert rules in {@code grafana/}
 * read them: {@code adapter_scaledown_reviews_total{kind,namespace,workload,decision}} (decision:
 * allowed, denied, drain_timeout, failed_open) and {@code adapter_drains_total{kind,namespace,
 * workload,event}} (event: started, undone, timeout: the scale-down was let through
 * because drainTimeout passed) and {@code adapter_drain_seconds{namespace,workload}}, a histogram of
 * how long drains lasted until they ended (see {@link DrainEnds}).
 */
public final class ScaleDownMetrics {

    private static final String DRAINS_HELP = "worker drains by the pre-scale-down hook, by event";

    /** Bucket bounds: most drains end at once or within seconds, the longest at drainTimeout (minutes). */
    static final Duration[] DRAIN_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
        Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofHours(1)};

    private final MeterRegistry registry;

    public ScaleDownMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code request} may be null for a review that could not be read. */
    void reviewed(ScaleRequest request, String decision) {
        Counter.builder("adapter.scaledown.reviews").description("scale reviews answered by the pre-scale-down hook")
                .tag("kind", request == null ? "" : request.kind().configName())
                .tag("namespace", request == null ? "" : String.valueOf(request.namespace()))
                .tag("workload", request == null ? "" : String.valueOf(request.name()))
                .tag("decision", decision).register(registry).increment();
        if (Decision.DRAIN_TIMEOUT.equals(decision)) {
            // the alert on drains that hit their timeout reads the drain events
            Counter.builder("adapter.drains").description(DRAINS_HELP).tag("kind", request.kind().configName())
                    .tag("namespace", String.valueOf(request.namespace())).tag("workload", String.valueOf(request.name()))
                    .tag("event", "timeout").register(registry).increment();
        }
    }

    /** A victim's worker was told to stop taking tasks. */
    void drainStarted(Workload workload) {
        drainEvent(workload, "started");
    }

    /** A drained pod got its queues back (not removed after all). */
    void drainUndone(Workload workload) {
        drainEvent(workload, "undone");
    }

    /** A pre-stop drain stopped waiting for a busy worker: drainTimeout (or the caller's limit) passed. */
    void drainTimedOut(Workload workload) {
        drainEvent(workload, "timeout");
    }

    /** A drain ended after {@code took} (from its mark's start); observed once per drain. */
    void drainEnded(Workload workload, Duration took) {
        Timer.builder("adapter.drain").description("how long drains by the pre-scale-down hook lasted, from the "
                        + "drain's start to the allowed scale-down or the end of the pre-stop wait")
                .tag("namespace", workload.namespace()).tag("workload", workload.name())
                .serviceLevelObjectives(DRAIN_BUCKETS).register(registry).record(took.isNegative() ? Duration.ZERO : took);
    }

    private void drainEvent(Workload workload, String event) {
        Counter.builder("adapter.drains").description(DRAINS_HELP)
                .tag("kind", workload.kind().configName()).tag("namespace", workload.namespace())
                .tag("workload", workload.name()).tag("event", event).register(registry).increment();
    }
}
