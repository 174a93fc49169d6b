package io.github.queuemetrics.adapter.metrics;

import java.util.Set;

/**
 * Maps a request path to the route template it was served by, for low-cardinality labels. Only
 * routes the adapter serves are named; every other path (404s included) is {@code other}.
 */
public final class RouteTemplates {

    private static final String METRICS_PREFIX = "/apis/external.metrics.k8s.io/v1beta1/namespaces/";
    private static final Set<String> FIXED = Set.of("/apis", "/apis/external.metrics.k8s.io",
            "/apis/external.metrics.k8s.io/v1beta1", "/healthz", "/livez", "/readyz", "/metrics",
            "/admission/scale", "/hooks/pre-stop");

    private RouteTemplates() {
    }

    public static String of(String path) {
        if (path == null) {
            return "other";
        }
        if (FIXED.contains(path)) {
            return path;
        }
        if (path.startsWith(METRICS_PREFIX) && path.indexOf('/', METRICS_PREFIX.length()) > 0) {
            return METRICS_PREFIX + "{namespace}/{metric}";
        }
        if (path.startsWith("/probe/celery/")) {
            return "/probe/celery/{nodename}";
        }
        if (path.startsWith("/probe/rq/")) {
            return "/probe/rq/{worker}";
        }
        if (path.startsWith("/probe/pod/")) {
            return "/probe/pod/{namespace}/{pod}";
        }
        return "other";
    }
}
