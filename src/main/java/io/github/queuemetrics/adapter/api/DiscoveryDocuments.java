package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The three discovery documents of {@code external.metrics.k8s.io/v1beta1}. The aggregator's
 * availability probe and its legacy discovery fallback read the APIResourceList, so it must always
 * answer 200 quickly; it lists one resource per metric this adapter serves.
 */
final class DiscoveryDocuments {

    static final String GROUP = "external.metrics.k8s.io";
    static final String VERSION = "v1beta1";
    static final String GROUP_VERSION = GROUP + "/" + VERSION;

    private DiscoveryDocuments() {
    }

    /** {@code GET /apis}. */
    static JsonObject apiGroupList() {
        return new JsonObject()
                .put("kind", "APIGroupList")
                .put("apiVersion", "v1")
                .put("groups", new JsonArray().add(groupBody()));
    }

    /** {@code GET /apis/external.metrics.k8s.io}. */
    static JsonObject apiGroup() {
        return new JsonObject()
                .put("kind", "APIGroup")
                .put("apiVersion", "v1")
                .mergeIn(groupBody());
    }

    /** {@code GET /apis/external.metrics.k8s.io/v1beta1}; {@code resources} is never null. */
    static JsonObject apiResourceList() {
        JsonArray resources = new JsonArray();
        for (QueueMetric metric : QueueMetric.values()) {
            resources.add(new JsonObject()
                    .put("name", metric.metricName())
                    .put("singularName", "")
                    .put("namespaced", true)
                    .put("kind", "ExternalMetricValueList")
                    .put("verbs", new JsonArray().add("get")));
        }
        return new JsonObject()
                .put("kind", "APIResourceList")
                .put("apiVersion", "v1")
                .put("groupVersion", GROUP_VERSION)
                .put("resources", resources);
    }

    private static JsonObject groupBody() {
        JsonObject version = new JsonObject().put("groupVersion", GROUP_VERSION).put("version", VERSION);
        return new JsonObject()
                .put("name", GROUP)
                .put("versions", new JsonArray().add(version))
                .put("preferredVersion", version.copy());
    }
}
