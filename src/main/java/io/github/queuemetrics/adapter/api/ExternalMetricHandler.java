package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.api.selector.LabelSelectorSyntaxException;
import io.github.queuemetrics.adapter.api.selector.LabelSelectors;
import io.github.queuemetrics.adapter.model.LabelSelector;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.store.MetricItem;
import io.github.queuemetrics.adapter.store.MetricQueryException;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code GET /apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}?labelSelector=...}:
 * an ExternalMetricValueList read only from the {@link MetricStore}, never from a broker, so it
 * answers from the event loop without blocking. Answers are kept until the store changes
 * ({@link MetricAnswerCache}).
 */
final class ExternalMetricHandler implements Handler<RoutingContext> {

    static final String PATH = "/apis/" + DiscoveryDocuments.GROUP_VERSION + "/namespaces/:namespace/:metric";
    static final String LABEL_SELECTOR = "labelSelector";

    private static final String KNOWN_METRICS = Arrays.stream(QueueMetric.values())
            .map(QueueMetric::metricName).collect(Collectors.joining(", "));

    private final MetricStore store;
    private final MetricAnswerCache answers;

    ExternalMetricHandler(MetricStore store) {
        this.store = store;
        this.answers = new MetricAnswerCache(store);
    }

    @Override
    public void handle(RoutingContext ctx) {
        String uri = ctx.request().uri();
        Buffer kept = answers.get(uri);
        if (kept != null) {
            JsonResponses.ok(ctx, kept);
            return;
        }
        long version = store.version(); // before the query: see MetricStore.version()
        String namespace = ctx.pathParam("namespace");
        String metricName = ctx.pathParam("metric");
        Optional<QueueMetric> metric = QueueMetric.byName(metricName);
        if (metric.isEmpty()) {
            JsonResponses.status(ctx, Status.notFound("the server could not find the metric " + metricName
                    + " for namespace " + namespace + "; known metrics: " + KNOWN_METRICS));
            return;
        }
        LabelSelector selector;
        try {
            // Vert.x decodes the query like Go's url.ParseQuery: %-escapes, and '+' as a space.
            selector = LabelSelectors.parse(ctx.request().getParam(LABEL_SELECTOR));
        } catch (LabelSelectorSyntaxException e) {
            JsonResponses.status(ctx, Status.badRequest(e.getMessage()));
            return;
        }
        List<MetricItem> items;
        try {
            items = store.query(namespace, metric.get(), selector);
        } catch (MetricQueryException e) {
            JsonResponses.status(ctx, e.kind() == MetricQueryException.Kind.UNAVAILABLE
                    ? Status.serviceUnavailable(e.getMessage())
                    : Status.notFound(e.getMessage()));
            return;
        }
        String body;
        try {
            body = MetricValueListWriter.write(items);
        } catch (IllegalArgumentException e) {
            // A NaN or negative value is a bug in a source; answer an error, never a number.
            JsonResponses.status(ctx, Status.internalError("invalid value for metric " + metricName + ": "
                    + e.getMessage()));
            return;
        }
        Buffer encoded = Buffer.buffer(body);
        answers.put(uri, namespace, version, encoded);
        JsonResponses.ok(ctx, encoded);
    }
}
