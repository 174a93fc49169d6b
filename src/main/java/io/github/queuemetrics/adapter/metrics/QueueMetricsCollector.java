package io.github.queuemetrics.adapter.metrics;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.store.SourceState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Exposes the external metrics on /metrics with the names and labels the HPA sees. Only fresh
 * sources are exported: a stale value would draw a flat line on a dashboard that looks healthy;
 * {@code adapter_source_up} says why it is missing.
 */
final class QueueMetricsCollector implements MultiCollector {

    private final MetricStore store;

    QueueMetricsCollector(MetricStore store) {
        this.store = store;
    }

    @Override
    public MetricSnapshots collect() {
        Map<QueueMetric, List<GaugeSnapshot.GaugeDataPointSnapshot>> points = new EnumMap<>(QueueMetric.class);
        for (SourceConfig source : store.sources()) {
            if (!store.isFresh(source.name())) {
                continue;
            }
            SourceState state = store.state(source.name());
            for (QueueSample sample : state.lastGood().queues()) {
                Labels labels = toLabels(sample.labels());
                sample.values().forEach((metric, value) -> points
                        .computeIfAbsent(metric, m -> new ArrayList<>())
                        .add(new GaugeSnapshot.GaugeDataPointSnapshot(value, labels, null)));
            }
        }
        MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        for (QueueMetric metric : QueueMetric.values()) {
            GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(metric.metricName()).help(metric.help());
            points.getOrDefault(metric, List.of()).forEach(gauge::dataPoint);
            snapshots.metricSnapshot(gauge.build());
        }
        return snapshots.build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return java.util.Arrays.stream(QueueMetric.values()).map(QueueMetric::metricName).toList();
    }

    private static Labels toLabels(Map<String, String> labels) {
        Labels.Builder builder = Labels.builder();
        labels.forEach(builder::label);
        return builder.build();
    }
}
