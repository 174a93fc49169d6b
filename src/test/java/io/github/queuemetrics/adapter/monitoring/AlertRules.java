package io.github.queuemetrics.adapter.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;

/** The alert rule files of grafana/alerts/, parsed. */
final class AlertRules {

    static final Path DIR = Path.of(System.getProperty("user.dir"), "grafana", "alerts");
    static final Path RULES = DIR.resolve("queue-metrics-adapter.rules.yml");
    static final Path PROMETHEUS_RULE = DIR.resolve("queue-metrics-adapter.prometheusrule.yaml");
    static final Path TESTS = DIR.resolve("queue-metrics-adapter.rules.test.yml");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private AlertRules() {
    }

    static JsonNode read(Path file) throws IOException {
        return YAML.readTree(file.toFile());
    }
}
