package io.github.queuemetrics.adapter.testsupport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Kubernetes wire types the adapter emits, as strict records: unknown fields fail
 * (FAIL_ON_UNKNOWN_PROPERTIES) and required fields must be present and non-null (compact
 * constructors), so a body that decodes here has exactly the documented shape.
 */
public final class WireSchema {

    public static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private WireSchema() {
    }

    public static <T> T decode(String json, Class<T> type) {
        try {
            return STRICT.readValue(json, type);
        } catch (Exception e) {
            throw new AssertionError("body does not match " + type.getSimpleName() + ": " + e.getMessage() + "\n" + json, e);
        }
    }

    public record ExternalMetricValueList(String kind, String apiVersion, Map<String, Object> metadata,
                                   List<ExternalMetricValue> items) {
        public ExternalMetricValueList {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(apiVersion, "apiVersion");
            Objects.requireNonNull(metadata, "metadata");
            Objects.requireNonNull(items, "items");
        }
    }

    /** {@code window} is optional (omitempty in Go); the others are required. */
    public record ExternalMetricValue(String metricName, Map<String, String> metricLabels, String timestamp, Long window,
                               String value) {
        public ExternalMetricValue {
            Objects.requireNonNull(metricName, "metricName");
            Objects.requireNonNull(metricLabels, "metricLabels");
            Objects.requireNonNull(timestamp, "timestamp");
            Objects.requireNonNull(value, "value");
        }
    }

    public record StatusBody(String kind, String apiVersion, Map<String, Object> metadata, String status, String message,
                      String reason, Map<String, Object> details, Integer code) {
        public StatusBody {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(apiVersion, "apiVersion");
            Objects.requireNonNull(metadata, "metadata");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(code, "code");
        }
    }

    public record GroupVersion(String groupVersion, String version) {
        public GroupVersion {
            Objects.requireNonNull(groupVersion, "groupVersion");
            Objects.requireNonNull(version, "version");
        }
    }

    /** kind/apiVersion are present on the APIGroup document and absent inside an APIGroupList. */
    public record ApiGroup(String kind, String apiVersion, String name, List<GroupVersion> versions,
                    GroupVersion preferredVersion) {
        public ApiGroup {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(versions, "versions");
            Objects.requireNonNull(preferredVersion, "preferredVersion");
        }
    }

    public record ApiGroupList(String kind, String apiVersion, List<ApiGroup> groups) {
        public ApiGroupList {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(apiVersion, "apiVersion");
            Objects.requireNonNull(groups, "groups");
        }
    }

    public record ApiResource(String name, String singularName, Boolean namespaced, String kind, List<String> verbs) {
        public ApiResource {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(singularName, "singularName");
            Objects.requireNonNull(namespaced, "namespaced");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(verbs, "verbs");
        }
    }

    public record ApiResourceList(String kind, String apiVersion, String groupVersion, List<ApiResource> resources) {
        public ApiResourceList {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(apiVersion, "apiVersion");
            Objects.requireNonNull(groupVersion, "groupVersion");
            Objects.requireNonNull(resources, "resources");
        }
    }
}
