package io.github.queuemetrics.adapter.metrics;

import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.poll.PollListener;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The adapter's own Prometheus metrics: poll health per source, HTTP latency, the JVM, and every
 * external metric as a gauge of the same name (read from the store at scrape time, so ten thousand
 * queues cost no meter objects and a scrape always agrees with what the HPA is served;
 * see {@link QueueMetricsText}).
 */
public final class AdapterMetrics implements PollListener, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Timer> pollTimers = new ConcurrentHashMap<>();
    private final Map<String, Counter> pollErrors = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final MetricStore store;
    private final WorkerDirectory workers;

    public AdapterMetrics(MetricStore store, WorkerDirectory workers) {
        this.store = store;
        this.workers = workers;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        for (var source : store.sources()) {
            String name = source.name();
            pollTimers.put(name, Timer.builder("adapter.poll")
                    .description("time one poll of the source's broker took")
                    .tag("source", name)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
            pollErrors.put(name, Counter.builder("adapter.poll.errors")
                    .description("polls of the source that failed")
                    .tag("source", name)
                    .register(registry));
            Gauge.builder("adapter.source.up", store, s -> s.isFresh(name) ? 1 : 0)
                    .description("1 while the source's values are fresh enough to be served")
                    .tag("source", name)
                    .register(registry);
            Gauge.builder("adapter.metric.age", store, s -> {
                        Duration age = s.age(name);
                        return age == null ? Double.NaN : age.toMillis() / 1000.0;
                    })
                    .description("age of the values served for the source")
                    .baseUnit("seconds")
                    .tag("source", name)
                    .register(registry);
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition of everything above. */
    public String scrape() {
        StringBuilder out = new StringBuilder(registry.scrape());
        QueueMetricsText.append(store, out);
        WorkerMetricsText.append(workers, store.now(), out);
        return out.toString();
    }

    @Override
    public void pollSucceeded(String source, long nanos, SourceSnapshot snapshot) {
        pollTimers.get(source).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void pollFailed(String source, long nanos) {
        pollTimers.get(source).record(nanos, TimeUnit.NANOSECONDS);
        pollErrors.get(source).increment();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
