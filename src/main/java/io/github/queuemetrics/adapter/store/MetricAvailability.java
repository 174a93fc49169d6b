package io.github.queuemetrics.adapter.store;

import io.github.queuemetrics.adapter.model.QueueMetric;

/** Explains, in a 404 message, what configuration a metric needs when a source does not measure it. */
final class MetricAvailability {

    private MetricAvailability() {
    }

    static String requirement(QueueMetric metric) {
        return switch (metric) {
            case UNACKED -> "managementUri on RabbitMQ sources";
            case RUNNING -> "workers: celery (Celery sources) or an rq source";
            case ARRIVAL_RATE, COMPLETION_RATE -> "managementUri on RabbitMQ sources (with prometheusUri: a recent enough"
                    + " background listing, see the log), or workers: celery on Celery sources";
            case WORKERS_TOTAL, WORKERS_BUSY, WORKERS_UTILIZATION -> "workers: celery|rq on the source";
            case OLDEST_AGE_SECONDS -> "managementUri on RabbitMQ sources (with prometheusUri: a recent enough"
                    + " background listing, see the log)";
            case BLOCKED -> "a pulp source on Pulp 3.48 or later (core_task.unblocked_at)";
            default -> "a source that reports it";
        };
    }
}
