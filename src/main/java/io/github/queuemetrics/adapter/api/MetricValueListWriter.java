package io.github.queuemetrics.adapter.api;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.github.queuemetrics.adapter.store.MetricItem;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Writes an ExternalMetricValueList straight into a string. This is the hot path of every HPA
 * request: the fixed shape needs no JSON tree, and the items of one poll share a timestamp, which
 * is formatted once.
 */
final class MetricValueListWriter {

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

    private MetricValueListWriter() {
    }

    /**
     * @throws IllegalArgumentException for a value that is not a finite, non-negative number (a bug
     *                                  in a source: answered as an error, never as a number)
     */
    static String write(List<MetricItem> items) {
        StringBuilder out = new StringBuilder(96 + items.size() * 160);
        out.append("{\"kind\":\"ExternalMetricValueList\",\"apiVersion\":\"")
                .append(DiscoveryDocuments.GROUP_VERSION).append("\",\"metadata\":{},\"items\":[");
        Instant lastInstant = null;
        String lastTimestamp = null;
        for (int i = 0; i < items.size(); i++) {
            MetricItem item = items.get(i);
            if (item.timestamp() != lastInstant) {
                lastInstant = item.timestamp();
                // metav1.Time: RFC 3339, UTC, whole seconds.
                lastTimestamp = DateTimeFormatter.ISO_INSTANT.format(lastInstant.truncatedTo(ChronoUnit.SECONDS));
            }
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"metricName\":");
            string(out, item.metricName());
            out.append(",\"metricLabels\":{");
            boolean first = true;
            for (Map.Entry<String, String> label : item.labels().entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, label.getKey());
                out.append(':');
                string(out, label.getValue());
            }
            out.append("},\"timestamp\":\"").append(lastTimestamp).append("\",\"value\":\"")
                    .append(Quantity.format(item.value())).append("\"}");
        }
        return out.append("]}").toString();
    }

    private static void string(StringBuilder out, String value) {
        out.append('"');
        ENCODER.quoteAsString(value, out);
        out.append('"');
    }
}
