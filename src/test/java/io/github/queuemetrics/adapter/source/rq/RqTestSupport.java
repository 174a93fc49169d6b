package io.github.queuemetrics.adapter.source.rq;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/** Builds RQ source configurations and reads snapshots in the RQ tests. */
final class RqTestSupport {

    private RqTestSupport() {
    }

    static SourceConfig config(String name, URI uri, List<String> queues, Pattern pattern) {
        return new SourceConfig(name, SourceType.RQ, null, null, null, uri, queues, pattern, null, null,
                Duration.ofSeconds(1), Duration.ofSeconds(30), null, null, null);
    }

    static Map<String, QueueSample> byQueue(SourceSnapshot snapshot) {
        return snapshot.queues().stream().collect(Collectors.toMap(QueueSample::queue, s -> s));
    }

    static double value(SourceSnapshot snapshot, String queue, QueueMetric metric) {
        QueueSample sample = byQueue(snapshot).get(queue);
        if (sample == null) {
            throw new AssertionError("no queue " + queue + " in " + snapshot);
        }
        OptionalDouble v = sample.value(metric);
        if (v.isEmpty()) {
            throw new AssertionError(metric.metricName() + " absent for " + queue + " in " + snapshot);
        }
        return v.getAsDouble();
    }

    static Jedis jedis(URI uri) {
        Jedis jedis = new Jedis(uri);
        jedis.ping();
        return jedis;
    }
}
