package io.github.queuemetrics.adapter.source.celery;

import io.github.queuemetrics.adapter.config.SourceConfig;
import java.net.URI;
import java.util.List;

/** Lets the benches (package bench) reuse this package's test data and config helpers. */
public final class CeleryBenchData {

    private CeleryBenchData() {
    }

    /** A ~1 KB kombu envelope, as {@link CeleryRedisSourceBenchmarkIT} writes them. */
    public static String envelope(String queue) {
        return CeleryRedisSourceBenchmarkIT.envelope(queue);
    }

    /** A celery-redis source over {@code uri} with kombu's default priorities, separator and prefix. */
    public static SourceConfig config(String name, URI uri, List<String> queues) {
        return CeleryRedisSourceIT.config(name, uri, queues, null, null, null, null);
    }
}
