package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.github.queuemetrics.adapter.workers.celery.CeleryControl;
import io.github.queuemetrics.adapter.workers.celery.CeleryWorkerTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the hook into the adapter: {@link #mount} adds {@code POST /admission/scale} to the secure
 * router (always: without {@code scaleDown:} every review is allowed at once), {@link #start}
 * creates the Kubernetes client and the workers' control clients on the worker pool (only with
 * {@code scaleDown:}), after the sources, whose worker trackers it reads liveness from.
 */
public final class ScaleDownModule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleDownModule.class);

    private final Vertx vertx;
    private final WorkerExecutor pool;
    private final AdapterConfig config;
    private final Optional<Path> kubeconfig;
    private final WorkerDirectory workers;
    private final ScaleDownMetrics metrics;
    private final MeterRegistry registry;
    private final ScaleDownService service;
    private final PreStopService preStop;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public ScaleDownModule(Vertx vertx, WorkerExecutor pool, AdapterConfig config, Optional<Path> kubeconfig,
                           WorkerDirectory workers, MeterRegistry registry) {
        this.vertx = vertx;
        this.pool = pool;
        this.config = config;
        this.kubeconfig = kubeconfig;
        this.workers = workers;
        this.metrics = new ScaleDownMetrics(registry);
        this.registry = registry;
        ScaleDownConfig scaleDown = config.scaleDownHook().orElse(new ScaleDownConfig(
                ScaleDownConfig.DEFAULT_DRAIN_TIMEOUT, ScaleDownConfig.DEFAULT_UNDO_AFTER, List.of()));
        this.service = new ScaleDownService(vertx, pool, scaleDown, metrics, ScaleDownService.ANSWER_WITHIN);
        this.preStop = new PreStopService(vertx, pool, registry, Duration.ofSeconds(1));
    }

    public void mount(Router router) {
        router.post(AdmissionHandler.PATH).handler(BodyHandler.create().setBodyLimit(AdmissionHandler.BODY_LIMIT))
                .handler(new AdmissionHandler(service));
        // No body is read; the limit only keeps a stray one small. The access check is the seam
        // delegated authentication will fill (see PreStopAuthorizer).
        router.post(PreStopHandler.PATH).handler(BodyHandler.create().setBodyLimit(1024))
                .handler(new PreStopHandler(preStop, PreStopAuthorizer.ANYONE));
    }

    /** Connects the hook; without {@code scaleDown:} nothing to do (no Kubernetes client is created). */
    public Future<Void> start() {
        Optional<ScaleDownConfig> scaleDown = config.scaleDownHook();
        if (scaleDown.isEmpty()) {
            preStop.notConfigured();
            return Future.succeededFuture();
        }
        return pool.executeBlocking(() -> {
            KubernetesClient client = KubernetesClients.create(kubeconfig);
            synchronized (closeables) {
                closeables.add(client);
            }
            DrainMarks marks = new DrainMarks(scaleDown.get().undoAfter());
            Executor background = command -> pool.executeBlocking(() -> {
                command.run();
                return null;
            }, false);
            // Closed before the client (in reverse); until they have synced, reads are GET/LIST.
            WorkloadInformers informers = new WorkloadInformers(client, scaleDown.get().workloads());
            closeLater(informers);
            informers.start();
            WorkloadCluster cluster = new KubernetesWorkloadCluster(client, informers);
            StatefulSetReviewer reviewer = new StatefulSetReviewer(cluster, scaleDown.get().drainTimeout(), marks,
                    background, metrics, Clock.systemUTC(),
                    WorkerChecks.forReviews(scaleDown.get().undoAfter(), background, Clock.systemUTC()));
            DeploymentReviewer deployments = new DeploymentReviewer(cluster, scaleDown.get().drainTimeout(), marks,
                    background, metrics, Clock.systemUTC(),
                    WorkerChecks.forReviews(scaleDown.get().undoAfter(), background, Clock.systemUTC()));
            Map<String, WorkerControl> controls = workerControls(scaleDown.get());
            warmUp(scaleDown.get(), cluster, controls);
            startSweeping(client, new StaleDrainSweeper(cluster, scaleDown.get(), controls,
                    new DrainUndo(cluster, marks, metrics), Clock.systemUTC()), scaleDown.get());
            workers.drainingFrom(marks);
            startReplicaGauges(new WorkloadReplicaGauges(registry, new WorkloadReplicaReader(client, informers),
                    scaleDown.get().workloads()));
            service.started(new ScaleDownService.Running(reviewer, deployments, controls));
            preStop.started(new PodDrain(new KubernetesPodLookup(client), cluster, scaleDown.get(), controls, marks,
                    metrics, Clock.systemUTC()));
            LOG.info("scale-down hook guards {} workload(s) through the Kubernetes API at {}",
                    scaleDown.get().workloads().size(), client.getMasterUrl());
            return null;
        });
    }

    /**
     * Every third of undoAfter (at most 15 s), one pass at a time, only on the replica that holds the
     * {@link SweepLease}; the first as soon as it holds it, which cleans up after a crashed adapter.
     */
    private void startSweeping(KubernetesClient client, StaleDrainSweeper sweeper, ScaleDownConfig scaleDown) {
        long period = Math.max(1_000, Math.min(15_000, scaleDown.undoAfter().toMillis() / 3));
        AtomicBoolean sweeping = new AtomicBoolean();
        SweepLease[] lease = new SweepLease[1];
        Runnable pass = () -> {
            if (lease[0].leading() && sweeping.compareAndSet(false, true)) {
                pool.executeBlocking(sweeper::sweep, false).onComplete(done -> sweeping.set(false));
            }
        };
        lease[0] = new SweepLease(client, SweepLease.namespace(System.getenv(), client),
                SweepLease.identity(System.getenv()), SweepLease.Timing.DEFAULT, () -> vertx.runOnContext(v -> pass.run()));
        long timer = vertx.setPeriodic(period, id -> pass.run());
        lease[0].start();
        synchronized (closeables) {
            closeables.add(() -> vertx.cancelTimer(timer));
            // Closed before the timer (in reverse): once the lease is released no pass starts.
            closeables.add(lease[0]);
        }
    }

    /** workload_replicas and workload_desired_replicas: now, then every 15 s, one refresh at a time. */
    private void startReplicaGauges(WorkloadReplicaGauges gauges) {
        AtomicBoolean refreshing = new AtomicBoolean();
        Runnable pass = () -> {
            if (refreshing.compareAndSet(false, true)) {
                pool.executeBlocking(() -> {
                    gauges.refresh();
                    return null;
                }, false).onComplete(done -> refreshing.set(false));
            }
        };
        long timer = vertx.setPeriodic(1, WorkloadReplicaGauges.PERIOD.toMillis(), id -> pass.run());
        closeLater(() -> vertx.cancelTimer(timer));
    }

    /**
     * Opens the connections a review needs (TLS to the API server, the broker connection and reply
     * queue of the control clients) before the first review: cold, they took over a second, and
     * the first review failed open.
     */
    private static void warmUp(ScaleDownConfig scaleDown, WorkloadCluster cluster, Map<String, WorkerControl> controls) {
        for (ScaleDownConfig.Workload workload : scaleDown.workloads()) {
            try {
                boolean exists = workload.kind() == io.github.queuemetrics.adapter.config.WorkloadKind.STATEFUL_SET
                        ? cluster.statefulSet(workload.namespace(), workload.name()).isPresent()
                        : cluster.deployment(workload.namespace(), workload.name()).isPresent();
                if (!exists) {
                    LOG.warn("scale-down hook: {} does not exist (yet)", workload.describe());
                }
            } catch (RuntimeException e) {
                LOG.warn("scale-down hook: cannot read {} from the Kubernetes API (reviews fail open until it "
                        + "answers): {}", workload.describe(), e.toString());
            }
        }
        controls.forEach((source, control) -> {
            try {
                control.warmUp();
            } catch (RuntimeException e) {
                LOG.warn("scale-down hook: the workers of source {} cannot be reached yet: {}", source, e.toString());
            }
        });
    }

    private void closeLater(AutoCloseable closeable) {
        synchronized (closeables) {
            closeables.add(closeable);
        }
    }

    /** One worker client of the hook's own (Celery remote control, RQ registry reads) per source a workload names. */
    private Map<String, WorkerControl> workerControls(ScaleDownConfig scaleDown) {
        Map<String, WorkerControl> controls = new LinkedHashMap<>();
        for (ScaleDownConfig.Workload workload : scaleDown.workloads()) {
            if (controls.containsKey(workload.source())) {
                continue;
            }
            for (WorkerDirectory.Entry entry : workers.entries()) {
                SourceConfig source = entry.source();
                if (!source.name().equals(workload.source())) {
                    continue;
                }
                if (entry.tracker() instanceof CeleryWorkerTracker tracker) {
                    CeleryWorkerControl control = new CeleryWorkerControl(CeleryControl.forSource(source),
                            tracker.registry(), Clock.systemUTC());
                    closeLater(control);
                    controls.put(source.name(), control);
                } else if (source.workers() == WorkerKind.RQ) {
                    RqWorkerControl control = RqWorkerControl.forSource(source.uri(), source.name());
                    closeLater(control);
                    controls.put(source.name(), control);
                } else if (source.workers() == WorkerKind.PULP) {
                    PulpWorkerControl control = PulpWorkerControl.forSource(source);
                    closeLater(control);
                    controls.put(source.name(), control);
                }
            }
        }
        return controls;
    }

    @Override
    public void close() {
        synchronized (closeables) {
            // In reverse: the sweeper's timer stops before the clients it uses are closed.
            java.util.Collections.reverse(closeables);
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
                }
            }
            closeables.clear();
        }
    }
}
