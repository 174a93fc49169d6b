package io.github.queuemetrics.adapter.config;

import java.time.Duration;
import java.util.List;

/** The whole validated configuration file. */
public record AdapterConfig(Duration pollInterval, Duration maxStaleness, List<SourceConfig> sources) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(30);

    public AdapterConfig {
        sources = List.copyOf(sources);
    }
}
