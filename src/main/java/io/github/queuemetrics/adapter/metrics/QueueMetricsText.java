package io.github.queuemetrics.adapter.metrics;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.store.MetricStore;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the external metrics on /metrics with the names and labels the HPA sees, in the
 * Prometheus text format (0.0.4).
 *
 * <p>Written by hand rather than through the Prometheus client registry: the contract names a
 * gauge {@code workers_total}, and the Java client refuses gauge names ending in {@code _total}
 * (the text format itself allows them). Reading the store at scrape time also means ten thousand
 * queues cost no meter objects. Only fresh sources are written: a stale value would draw a flat
 * line that looks healthy; {@code adapter_source_up} says why it is missing.
 */
final class QueueMetricsText {

    private QueueMetricsText() {
    }

    static void append(MetricStore store, StringBuilder out) {
        Map<QueueMetric, List<String>> lines = new EnumMap<>(QueueMetric.class);
        for (SourceConfig source : store.sources()) {
            if (!store.isFresh(source.name())) {
                continue;
            }
            for (QueueSample sample : store.state(source.name()).lastGood().queues()) {
                String labels = labels(sample.labels());
                sample.values().forEach((metric, value) -> lines.computeIfAbsent(metric, m -> new ArrayList<>())
                        .add(metric.metricName() + labels + ' ' + format(value)));
            }
        }
        for (QueueMetric metric : QueueMetric.values()) {
            out.append("# HELP ").append(metric.metricName()).append(' ').append(metric.help()).append('\n');
            out.append("# TYPE ").append(metric.metricName()).append(" gauge\n");
            for (String line : lines.getOrDefault(metric, List.of())) {
                out.append(line).append('\n');
            }
        }
    }

    static String labels(Map<String, String> labels) {
        StringBuilder sb = new StringBuilder("{");
        labels.forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(k).append("=\"");
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '"' -> sb.append("\\\"");
                    case '\n' -> sb.append("\\n");
                    default -> sb.append(c);
                }
            }
            sb.append('"');
        });
        return sb.append('}').toString();
    }

    private static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
