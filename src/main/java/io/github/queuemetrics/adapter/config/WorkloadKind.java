package io.github.queuemetrics.adapter.config;

import java.util.Arrays;
import java.util.Optional;

/** The kind of a workload the scale-down hook guards ({@code scaleDown.workloads[i].kind}). */
public enum WorkloadKind {
    STATEFUL_SET("StatefulSet", "statefulsets"),
    DEPLOYMENT("Deployment", "deployments");

    private final String configName;
    private final String resource;

    WorkloadKind(String configName, String resource) {
        this.configName = configName;
        this.resource = resource;
    }

    /** As in the configuration and in {@code kind:} of the manifests: StatefulSet, Deployment. */
    public String configName() {
        return configName;
    }

    /** The apps/v1 resource name: statefulsets, deployments. */
    public String resource() {
        return resource;
    }

    public static Optional<WorkloadKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }

    public static Optional<WorkloadKind> fromResource(String resource) {
        return Arrays.stream(values()).filter(k -> k.resource.equals(resource)).findFirst();
    }
}
