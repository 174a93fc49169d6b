package io.github.queuemetrics.adapter.store;

import java.time.Instant;
import java.util.Map;

/** One item of an ExternalMetricValueList: a queue's value and when it was measured. */
public record MetricItem(String metricName, Map<String, String> labels, Instant timestamp, double value) {
}
