package io.github.queuemetrics.adapter.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The external metrics this adapter serves, one value per queue. The names are part of the
 * user-facing contract: HPA manifests and dashboards refer to them.
 */
public enum QueueMetric {
    READY("queue_ready", "tasks waiting in the broker"),
    UNACKED("queue_unacked", "tasks delivered to a worker and not yet acknowledged"),
    RUNNING("queue_running", "tasks executing now"),
    OUTSTANDING("queue_outstanding", "tasks not yet finished: ready + unacked + running, each counted once"),
    CONSUMERS("queue_consumers", "consumers or live workers attached to the queue"),
    OLDEST_AGE_SECONDS("queue_oldest_age_seconds", "age of the oldest waiting task in seconds"),
    ARRIVAL_RATE("queue_arrival_rate", "tasks per second entering the queue over the last minute"),
    COMPLETION_RATE("queue_completion_rate", "tasks per second finishing over the last minute"),
    WORKERS_TOTAL("workers_total", "live workers consuming the queue"),
    WORKERS_BUSY("workers_busy", "live workers executing at least one task"),
    WORKERS_UTILIZATION("workers_utilization", "busy task slots / all task slots over the last minute"),
    BLOCKED("queue_blocked", "Pulp: waiting tasks that cannot run yet (their resource locks are held)");

    private static final Map<String, QueueMetric> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(QueueMetric::metricName, Function.identity()));

    private final String metricName;
    private final String help;

    QueueMetric(String metricName, String help) {
        this.metricName = metricName;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    public String help() {
        return help;
    }

    public static Optional<QueueMetric> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
