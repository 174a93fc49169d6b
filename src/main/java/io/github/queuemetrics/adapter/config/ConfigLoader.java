package io.github.queuemetrics.adapter.config;

/** Placeholder: reads, interpolates and validates the YAML configuration (being written). */
public final class ConfigLoader {
    private ConfigLoader() {
    }
}
