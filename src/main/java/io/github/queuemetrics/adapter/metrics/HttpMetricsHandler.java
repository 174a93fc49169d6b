package io.github.queuemetrics.adapter.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records {@code adapter_http_requests_seconds{server,route,method,status}}. The route label is
 * the path template (never the raw path) and the method label a standard method or {@code other},
 * so a scan of random URLs or invented methods cannot blow up the series count.
 * Timers are looked up in a local map: building and registering one per request (tag sorting,
 * id hashing in the registry) cost more than a probe answer itself.
 */
public final class HttpMetricsHandler implements Handler<RoutingContext> {

    /** A few buckets around the targets (p99 under 5 ms for metric GETs, 1 ms for probes). */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2)};

    private static final Set<HttpMethod> STANDARD_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.OPTIONS, HttpMethod.CONNECT,
            HttpMethod.TRACE);

    private record Key(String route, String method, int status) {
    }

    private final MeterRegistry registry;
    private final String server;
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    public HttpMetricsHandler(MeterRegistry registry, String server) {
        this.registry = registry;
        this.server = server;
    }

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        String route = RouteTemplates.of(ctx.request().path());
        String method = methodLabel(ctx.request().method());
        ctx.addEndHandler(ar -> timers.computeIfAbsent(new Key(route, method, ctx.response().getStatusCode()),
                        this::register)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        ctx.next();
    }

    /**
     * The method as a label: one of the standard methods, else {@code other}. HTTP lets a caller
     * invent methods ({@code FOO1}, {@code FOO2}, ...); each would otherwise be a timer kept forever.
     */
    static String methodLabel(HttpMethod method) {
        return STANDARD_METHODS.contains(method) ? method.name() : "other";
    }

    private Timer register(Key key) {
        return Timer.builder("adapter.http.requests")
                .description("HTTP requests served, by route template and status")
                .tag("server", server)
                .tag("route", key.route())
                .tag("method", key.method())
                .tag("status", Integer.toString(key.status()))
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
