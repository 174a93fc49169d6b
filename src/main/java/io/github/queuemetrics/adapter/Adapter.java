package io.github.queuemetrics.adapter;

import io.github.queuemetrics.adapter.api.ApiServerFactory;
import io.github.queuemetrics.adapter.auth.DelegatedAuth;
import io.github.queuemetrics.adapter.cli.CommandLine;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.management.ManagementRouter;
import io.github.queuemetrics.adapter.management.ManagementServer;
import io.github.queuemetrics.adapter.metrics.AdapterMetrics;
import io.github.queuemetrics.adapter.metrics.HttpMetricsHandler;
import io.github.queuemetrics.adapter.poll.SourcePoller;
import io.github.queuemetrics.adapter.scaledown.ScaleDownModule;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.source.SourceFactory;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.github.queuemetrics.adapter.workers.WorkerAwareSource;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import io.github.queuemetrics.adapter.workers.WorkerTrackers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running adapter. {@link #start()} is one chain of futures (management port, secure port,
 * sources and their first polls); every step pushes its undo onto a {@link ShutdownHook}, so
 * {@link #stop()} runs in reverse order.
 */
public final class Adapter {

    private static final Logger LOG = LoggerFactory.getLogger(Adapter.class);
    /** Blocking broker clients (jedis, amqp-client, HTTP) run here, never on an event loop. */
    static final String BROKER_POOL = "broker-pool";
    /**
     * The longest {@link #stop()} takes, even with a broker that hangs: well inside Kubernetes'
     * default 30 s grace period, so the pod ends by itself rather than by SIGKILL.
     */
    public static final Duration SHUTDOWN_BUDGET = Duration.ofSeconds(20);
    /**
     * How long the shutdown waits for polls in flight before it closes their connections (which
     * ends them anyway). Every broker call has its own deadline, so polls do end.
     */
    static final Duration POLL_DRAIN = Duration.ofSeconds(5);
    /**
     * Threads of Vert.x's default worker pool (its default is 20). It runs only the /metrics
     * rendering (one at a time, {@code SharedScrape}) and the serving certificate's reading; broker
     * calls have their own pool. The pool starts a new thread for each task until it is full, so
     * with 20 a scrape every 5 s left 20 threads after 100 s (bench/README.md, memory rerun).
     */
    static final int WORKER_THREADS = 2;

    private final CommandLine.Options options;
    private final AdapterConfig config;
    private final ShutdownHook shutdown = new ShutdownHook();
    private Vertx vertx;
    private MetricStore store;
    private final WorkerDirectory workers = new WorkerDirectory();
    private HttpServer secureServer;
    private HttpServer managementServer;
    private ScaleDownModule scaleDown;
    private DelegatedAuth auth;
    /** Shown on both /readyz with --authentication none, so nobody mistakes it for a protected install. */
    static final String AUTHENTICATION_OFF = "[!]authentication is off (--authentication none): every request to the "
            + "secure port is served without authentication or authorization";

    public Adapter(CommandLine.Options options, AdapterConfig config) {
        this.options = options;
        this.config = config;
    }

    public Future<Adapter> start() {
        vertx = Vertx.vertx(vertxOptions());
        shutdown.push("vertx", () -> await(vertx.close()));
        store = new MetricStore(config.sources(), Clock.systemUTC());
        AdapterMetrics metrics = new AdapterMetrics(store, workers);
        shutdown.push("metrics", metrics::close);
        // Enough threads for every source to poll at once, plus one per background management listing
        // (RabbitMQ prometheusUri), plus a few for /metrics scrapes, plus two for the scale-down hook's
        // reviews and sweeps (a review must not queue behind slow polls).
        long listings = config.sources().stream().filter(s -> s.prometheusUri() != null).count();
        WorkerExecutor pool = vertx.createSharedWorkerExecutor(BROKER_POOL, config.sources().size() + (int) listings + 4
                + (config.scaleDownHook().isPresent() ? 2 : 0) + (delegated() ? 2 : 0));
        shutdown.push("broker pool", pool::close);
        scaleDown = new ScaleDownModule(vertx, pool, config, options.kubeconfig(), workers, metrics.registry());
        if (config.scaleDownHook().isPresent()) {
            // Closed after the servers (no review in flight), before the pool its sweeps run on.
            shutdown.push("scale-down hook", scaleDown::close);
        }

        // The secure port listens before the first polls: /readyz turns 200 once every source has
        // finished its first poll attempt, and the APIService must not be sent to a pod whose
        // secure port is not listening yet.
        return startManagement(metrics)
                .compose(v -> startAuthentication(pool))
                .compose(v -> startSecure(metrics))
                .compose(v -> startSources(pool, metrics))
                .compose(v -> scaleDown.start())
                .map(v -> {
                    LOG.info("queue-metrics-adapter {} serving: external metrics on https://0.0.0.0:{}, "
                                    + "management on http://0.0.0.0:{}, {} source(s)", CommandLine.version(),
                            secureServer.actualPort(), managementServer.actualPort(), config.sources().size());
                    return this;
                });
    }

    /** Vert.x as the adapter runs it; see {@link #WORKER_THREADS}. */
    static VertxOptions vertxOptions() {
        return new VertxOptions().setWorkerPoolSize(WORKER_THREADS);
    }

    private boolean delegated() {
        return options.authentication() == CommandLine.Authentication.DELEGATED;
    }

    private List<String> readinessNotices() {
        return delegated() ? List.of() : List.of(AUTHENTICATION_OFF);
    }

    /** With delegated authentication: the Kubernetes client and the trust ConfigMap, before the secure port serves. */
    private Future<Void> startAuthentication(WorkerExecutor pool) {
        if (!delegated()) {
            LOG.warn("AUTHENTICATION IS OFF (--authentication none): the secure port serves every request without "
                    + "authentication or authorization; use --authentication delegated in a cluster");
            return Future.succeededFuture();
        }
        return DelegatedAuth.start(vertx, pool, options.kubeconfig()).map(started -> {
            auth = started;
            shutdown.push("delegated authentication", started::close);
            return null;
        });
    }

    private Future<Void> startManagement(AdapterMetrics metrics) {
        Router router = ManagementRouter.create(vertx, store, metrics, workers, readinessNotices());
        return ManagementServer.start(vertx, router, options.managementPort())
                .recover(error -> Future.failedFuture(portError("management", options.managementPort(), error)))
                .map(server -> {
                    managementServer = server;
                    shutdown.push("management server", () -> await(server.close()));
                    return null;
                });
    }

    /** Creates every source and starts its poller; completes when each has polled once (good or bad). */
    private Future<Void> startSources(WorkerExecutor pool, AdapterMetrics metrics) {
        List<Future<Void>> firstPolls = new ArrayList<>();
        List<SourcePoller> pollers = new ArrayList<>();
        for (SourceConfig sourceConfig : config.sources()) {
            QueueSource source = withWorkers(sourceConfig, SourceFactory.create(sourceConfig, background(pool)));
            shutdown.push("source " + source.name(), source::close);
            SourcePoller poller = new SourcePoller(vertx, pool, source, store, metrics, sourceConfig.pollInterval());
            pollers.add(poller);
            firstPolls.add(poller.start());
        }
        // All pollers at once, before any source closes: no new polls, and the ones in flight
        // end (or hit their deadlines) in parallel rather than one source after another.
        shutdown.push("pollers", () -> await(Future.join(pollers.stream().map(SourcePoller::stop).toList()),
                POLL_DRAIN));
        return Future.join(firstPolls).mapEmpty();
    }

    /** The pool as a plain executor: sources know nothing of Vert.x. */
    private static Executor background(WorkerExecutor pool) {
        return task -> pool.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
    }

    /** With {@code workers:} the broker counts are completed by what the workers report. */
    private QueueSource withWorkers(SourceConfig sourceConfig, QueueSource broker) {
        Optional<WorkerTracker> tracker = WorkerTrackers.forSource(sourceConfig, broker, Clock.systemUTC());
        if (tracker.isEmpty()) {
            return broker;
        }
        workers.add(sourceConfig, tracker.get());
        return new WorkerAwareSource(broker, tracker.get(), sourceConfig.type(), Clock.systemUTC());
    }

    private Future<Void> startSecure(AdapterMetrics metrics) {
        TlsOptions tls = options.hasTlsFiles()
                ? TlsOptions.fromFiles(options.tlsCertFile().orElseThrow(), options.tlsPrivateKeyFile().orElseThrow())
                : TlsOptions.selfSigned(List.of());
        Router router = ApiServerFactory.router(vertx, store, auth == null ? null : auth.guard(), readinessNotices());
        scaleDown.mount(router);
        // First on every route: the latency of the HPA's metric requests is the one that matters most.
        router.route().order(-1).handler(new HttpMetricsHandler(metrics.registry(), "secure"));
        return SecureServer.start(vertx, router, options.securePort(), tls)
                .recover(error -> Future.failedFuture(portError("secure", options.securePort(), error)))
                .map(server -> {
                    secureServer = server;
                    shutdown.push("secure server", () -> await(server.close()));
                    return null;
                });
    }

    /** "secure port 6443: Address already in use": a bind error alone does not say which port. */
    private static Throwable portError(String which, int port, Throwable error) {
        return new IOException(which + " port " + port + ": " + error.getMessage(), error);
    }

    /** Stops everything in reverse start order within {@link #SHUTDOWN_BUDGET}; safe to call more than once. */
    public void stop() {
        shutdown.runAll(SHUTDOWN_BUDGET);
    }

    public MetricStore store() {
        return store;
    }

    public WorkerDirectory workers() {
        return workers;
    }

    public int securePort() {
        return secureServer.actualPort();
    }

    public int managementPort() {
        return managementServer.actualPort();
    }

    private static void await(Future<?> future) throws InterruptedException {
        await(future, Duration.ofSeconds(10));
    }

    private static void await(Future<?> future, Duration atMost) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        future.onComplete(ar -> done.countDown());
        if (!done.await(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("shutdown step did not finish within {} ms", atMost.toMillis());
        }
    }
}
