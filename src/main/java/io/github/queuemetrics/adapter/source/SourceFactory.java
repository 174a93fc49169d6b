package io.github.queuemetrics.adapter.source;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.source.celery.CeleryRedisSource;
import io.github.queuemetrics.adapter.source.pulp.PulpSource;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource;
import io.github.queuemetrics.adapter.source.rq.RqSource;
import java.util.concurrent.Executor;

/** One source class per broker layout; constructors validate and do not connect. */
public final class SourceFactory {

    private SourceFactory() {
    }

    /** @param background the worker pool, for a source's work apart from its polls (RabbitMQ's prometheusUri mode) */
    public static QueueSource create(SourceConfig config, Executor background) {
        return switch (config.type()) {
            case CELERY_REDIS -> new CeleryRedisSource(config);
            case RABBITMQ -> new RabbitMqSource(config, background);
            case RQ -> new RqSource(config);
            case PULP -> new PulpSource(config);
        };
    }
}
