package io.github.queuemetrics.adapter.workers;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.source.pulp.PulpSource;
import io.github.queuemetrics.adapter.workers.celery.CeleryWorkerTracker;
import io.github.queuemetrics.adapter.workers.rq.RqLivenessRules;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerTracker;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerView;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** Builds the tracker a source's {@code workers:} asks for. */
public final class WorkerTrackers {

    private WorkerTrackers() {
    }

    public static Optional<WorkerTracker> forSource(SourceConfig source, Clock clock) {
        return forSource(source, null, clock);
    }

    /**
     * As {@link #forSource(SourceConfig, Clock)}; Pulp's tracker is fed by the source itself (the
     * workers are read in the poll's one round trip), so it comes from {@code broker}.
     */
    public static Optional<WorkerTracker> forSource(SourceConfig source, QueueSource broker, Clock clock) {
        return switch (source.workers()) {
            case PULP -> {
                if (!(broker instanceof PulpSource pulp)) {
                    throw new IllegalArgumentException("workers: pulp needs the source of type pulp, got " + broker);
                }
                yield pulp.workerTracker();
            }
            case NONE -> Optional.empty();
            case CELERY -> Optional.of(CeleryWorkerTracker.forSource(source, clock));
            case RQ -> Optional.of(new RqWorkerTracker(RedisEndpoint.forSource(source, "qma-" + source.name() + "-workers"),
                    new RqWorkerView(RqLivenessRules.DEFAULTS, Duration.ofMinutes(1), source.maxStaleness())));
        };
    }
}
