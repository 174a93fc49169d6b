package io.github.queuemetrics.adapter.config;

import java.util.Arrays;
import java.util.Optional;

/** Which workers a source tracks ({@code sources[i].workers}); NONE when the key is absent. */
public enum WorkerKind {
    NONE("none"),
    CELERY("celery"),
    RQ("rq"),
    PULP("pulp");

    private final String configName;

    WorkerKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<WorkerKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(t -> t.configName.equals(name)).findFirst();
    }
}
