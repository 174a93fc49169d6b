package io.github.queuemetrics.adapter.config;

import java.util.Arrays;
import java.util.Optional;

/** Broker layouts the adapter can read; {@code configName} is the value of {@code sources[i].type}. */
public enum SourceType {
    CELERY_REDIS("celery-redis"),
    RABBITMQ("rabbitmq"),
    RQ("rq"),
    PULP("pulp");

    private final String configName;

    SourceType(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<SourceType> fromConfigName(String name) {
        return Arrays.stream(values()).filter(t -> t.configName.equals(name)).findFirst();
    }
}
