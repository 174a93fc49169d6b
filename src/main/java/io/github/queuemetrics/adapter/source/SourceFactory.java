package io.github.queuemetrics.adapter.source;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.source.celery.CeleryRedisSource;
import io.github.queuemetrics.adapter.source.pulp.PulpSource;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource;
import io.github.queuemetrics.adapter.source.rq.RqSource;

/** One source class per broker layout; constructors validate and do not connect. */
public final class SourceFactory {

    private SourceFactory() {
    }

    public static QueueSource create(SourceConfig config) {
        return switch (config.type()) {
            case CELERY_REDIS -> new CeleryRedisSource(config);
            case RABBITMQ -> new RabbitMqSource(config);
            case RQ -> new RqSource(config);
            case PULP -> new PulpSource(config);
        };
    }
}
