package io.github.queuemetrics.adapter.model;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What one poll learned about one queue. {@code labels} are the labels the HPA selects on
 * ({@code source}, {@code queue}, and {@code vhost} for RabbitMQ). {@code values} holds only
 * the metrics the source could actually measure: a metric that is absent is unknown, never 0.
 */
public record QueueSample(String queue, Map<String, String> labels, Map<QueueMetric, Double> values) {

    public static final String LABEL_SOURCE = "source";
    public static final String LABEL_QUEUE = "queue";
    public static final String LABEL_VHOST = "vhost";

    public QueueSample {
        Objects.requireNonNull(queue, "queue");
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        EnumMap<QueueMetric, Double> copy = new EnumMap<>(QueueMetric.class);
        copy.putAll(values);
        values = Collections.unmodifiableMap(copy);
    }

    public OptionalDouble value(QueueMetric metric) {
        Double v = values.get(metric);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** Starts a sample for {@code queue} of source {@code source}; add vhost and values on the builder. */
    public static Builder builder(String source, String queue) {
        return new Builder(source, queue);
    }

    /** Returns a copy with {@code metric} set (or replaced). */
    public QueueSample with(QueueMetric metric, double value) {
        EnumMap<QueueMetric, Double> copy = new EnumMap<>(QueueMetric.class);
        copy.putAll(values);
        copy.put(metric, value);
        return new QueueSample(queue, labels, copy);
    }

    public static final class Builder {
        private final String queue;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final EnumMap<QueueMetric, Double> values = new EnumMap<>(QueueMetric.class);

        private Builder(String source, String queue) {
            this.queue = queue;
            labels.put(LABEL_SOURCE, source);
            labels.put(LABEL_QUEUE, queue);
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Builder value(QueueMetric metric, double value) {
            values.put(metric, value);
            return this;
        }

        public QueueSample build() {
            return new QueueSample(queue, labels, values);
        }
    }
}
