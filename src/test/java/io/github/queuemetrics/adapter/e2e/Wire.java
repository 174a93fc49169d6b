package io.github.queuemetrics.adapter.e2e;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ExternalMetricValue;
import io.github.queuemetrics.adapter.testsupport.WireSchema.ExternalMetricValueList;
import io.github.queuemetrics.adapter.testsupport.WireSchema.StatusBody;

/**
 * The answers of the external metrics API decoded the strict way: unknown fields fail, required
 * fields must be there, timestamps must be RFC 3339 and values Kubernetes quantities (parsed by
 * fabric8's {@link Quantity}, as a Java client of the API would).
 */
final class Wire {
    // The strict records are WireSchema's (shared with the API's unit tests); this adds the parsing of items.

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** metav1.Time as the apiserver writes it (RFC 3339, seconds, optional fraction). */
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");
    /** resource.Quantity's canonical serialisation: a number and an optional suffix. */
    private static final Pattern QUANTITY = Pattern.compile("[+-]?\\d+(\\.\\d+)?([numkMGTPE]|[KMGTPE]i|[eE][+-]?\\d+)?");

    private Wire() {
    }




    /** One served item with its timestamp and value parsed. */
    record Item(String metric, Map<String, String> labels, Instant timestamp, BigDecimal value) {
        String queue() {
            return labels.get("queue");
        }

        String source() {
            return labels.get("source");
        }

        long milli() {
            return value.movePointRight(3).longValueExact();
        }
    }

    static <T> T decode(String json, Class<T> type) {
        try {
            return STRICT.readValue(json, type);
        } catch (Exception e) {
            throw new AssertionError("body does not match " + type.getSimpleName() + ": " + e.getMessage()
                    + "\n" + json, e);
        }
    }

    /** Decodes an ExternalMetricValueList and checks every item's shape. */
    static List<Item> items(String json) {
        ExternalMetricValueList list = decode(json, ExternalMetricValueList.class);
        if (!"ExternalMetricValueList".equals(list.kind())
                || !"external.metrics.k8s.io/v1beta1".equals(list.apiVersion())) {
            throw new AssertionError("wrong kind/apiVersion: " + json);
        }
        return list.items().stream().map(Wire::item).toList();
    }

    private static Item item(ExternalMetricValue v) {
        if (!RFC3339.matcher(v.timestamp()).matches()) {
            throw new AssertionError("timestamp is not RFC 3339: " + v.timestamp());
        }
        Instant timestamp = OffsetDateTime.parse(v.timestamp(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        if (!QUANTITY.matcher(v.value()).matches()) {
            throw new AssertionError("value is not a Kubernetes quantity: " + v.value());
        }
        BigDecimal value = Quantity.parse(v.value()).getNumericalAmount();
        return new Item(v.metricName(), v.metricLabels(), timestamp, value);
    }

    /** Decodes a metav1.Status and checks it is a Failure with the given code. */
    static StatusBody status(String json, int code) {
        StatusBody status = decode(json, StatusBody.class);
        if (!"Status".equals(status.kind()) || !"v1".equals(status.apiVersion())
                || !"Failure".equals(status.status()) || status.code() != code) {
            throw new AssertionError("not a Failure Status with code " + code + ": " + json);
        }
        return status;
    }
}
