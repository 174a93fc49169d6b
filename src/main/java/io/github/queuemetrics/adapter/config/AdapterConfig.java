package io.github.queuemetrics.adapter.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole validated configuration file.
 *
 * @param scaleDown the pre-scale-down hook's section; null when the file has none (no hook, no
 *                  Kubernetes client)
 */
public record AdapterConfig(Duration pollInterval, Duration maxStaleness, List<SourceConfig> sources,
                            ScaleDownConfig scaleDown) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(30);

    public AdapterConfig {
        sources = List.copyOf(sources);
    }

    /** Without a scale-down hook. */
    public AdapterConfig(Duration pollInterval, Duration maxStaleness, List<SourceConfig> sources) {
        this(pollInterval, maxStaleness, sources, null);
    }

    public Optional<ScaleDownConfig> scaleDownHook() {
        return Optional.ofNullable(scaleDown);
    }

    /** The source named {@code name}. */
    public Optional<SourceConfig> source(String name) {
        return sources.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
