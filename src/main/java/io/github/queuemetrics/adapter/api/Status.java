package io.github.queuemetrics.adapter.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A {@code metav1.Status} error body, shaped as the generic Kubernetes apiserver writes it
 * ({@code kind, apiVersion, metadata, status, message, reason, details?, code}). client-go turns
 * the message into the error the HPA records in its events, so messages say what to fix.
 *
 * @param code    the HTTP status code, repeated in the body
 * @param reason  Kubernetes' StatusReason ({@code NotFound}, {@code BadRequest}, ...)
 * @param message human-readable explanation
 * @param details optional {@code details} object; null to omit it
 */
public record Status(int code, String reason, String message, JsonObject details) {

    public static final String EXTERNAL_METRICS_GROUP = "external.metrics.k8s.io";

    public Status {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        details = details == null ? null : details.copy();
    }

    /** 404: an unknown metric, or a selector that matches no queue. */
    public static Status notFound(String message) {
        return new Status(404, "NotFound", message, null);
    }

    /** 400: e.g. a labelSelector that does not parse. */
    public static Status badRequest(String message) {
        return new Status(400, "BadRequest", message, null);
    }

    /** 503: a source whose values are too old to serve. */
    public static Status serviceUnavailable(String message) {
        return new Status(503, "ServiceUnavailable", message, null);
    }

    /** 500 in the apiserver's words: "Internal error occurred: cause", the cause repeated in details. */
    public static Status internalError(String cause) {
        JsonObject details = new JsonObject().put("causes", new JsonArray().add(new JsonObject().put("message", cause)));
        return new Status(500, "InternalError", "Internal error occurred: " + cause, details);
    }

    /** 405: a method other than GET on a read-only path. */
    public static Status methodNotAllowed(String method) {
        return new Status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource ("
                + method + ")", null);
    }

    /** 401: no identity could be established. */
    public static Status unauthorized() {
        return new Status(401, "Unauthorized", "Unauthorized", null);
    }

    /** 403 for a resource request, worded like the apiserver's RBAC denial. */
    public static Status forbiddenResource(String user, String verb, String group, String resource, String namespace) {
        String qualified = group.isEmpty() ? resource : resource + "." + group;
        String message = qualified + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \"" + resource
                + "\" in API group \"" + group + "\""
                + (namespace == null || namespace.isEmpty() ? " at the cluster scope" : " in the namespace \"" + namespace + "\"");
        return new Status(403, "Forbidden", message, new JsonObject().put("group", group).put("kind", resource));
    }

    /** 403 for a non-resource path such as {@code /apis}. */
    public static Status forbiddenPath(String user, String verb, String path) {
        return new Status(403, "Forbidden", "forbidden: User \"" + user + "\" cannot " + verb + " path \"" + path + "\"",
                new JsonObject());
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject()
                .put("kind", "Status")
                .put("apiVersion", "v1")
                .put("metadata", new JsonObject())
                .put("status", "Failure")
                .put("message", message)
                .put("reason", reason);
        if (details != null) {
            json.put("details", details.copy());
        }
        return json.put("code", code);
    }
}
