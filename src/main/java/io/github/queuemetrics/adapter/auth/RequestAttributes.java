package io.github.queuemetrics.adapter.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a request does, in SubjectAccessReview terms (Kubernetes' RequestInfo, reduced to the paths
 * this server has): {@code GET /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}} is
 * verb {@code list} on resource {@code {metric}} of group external.metrics.k8s.io in namespace
 * {@code {ns}}; every other path (discovery, hooks) is a non-resource request whose verb is the
 * lower-cased method.
 *
 * @param resource null for a non-resource request
 * @param group    the resource's API group ("" for core resources such as pods)
 * @param name     the object's name, null for a collection
 */
record RequestAttributes(String verb, String path, String namespace, String resource, String group, String name) {

    static final String GROUP = "external.metrics.k8s.io";
    static final String VERSION = "v1beta1";
    private static final String NAMESPACED_PREFIX = "/apis/" + GROUP + "/" + VERSION + "/namespaces/";

    static RequestAttributes of(String method, String path) {
        if (path.startsWith(NAMESPACED_PREFIX)) {
            String[] parts = path.substring(NAMESPACED_PREFIX.length()).split("/", -1);
            if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
                // The same decoding as the router's path parameters: these are what the handler serves.
                return new RequestAttributes(resourceVerb(method), path, decode(parts[0]), decode(parts[1]), GROUP,
                        null);
            }
        }
        return new RequestAttributes(method.toLowerCase(Locale.ROOT), path, null, null, null, null);
    }

    /** {@code delete} of one pod: what a caller of the pre-stop hook must be allowed, unless it is the pod. */
    static RequestAttributes deletePod(String path, String namespace, String pod) {
        return new RequestAttributes("delete", path, namespace, "pods", "", pod);
    }

    boolean isResourceRequest() {
        return resource != null;
    }

    /** A collection (no name): GET is list, as Kubernetes' RequestInfo has it. */
    private static String resourceVerb(String method) {
        return switch (method) {
            case "GET", "HEAD" -> "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "deletecollection";
            default -> method.toLowerCase(Locale.ROOT);
        };
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
