package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.scaledown.PodDrain.Done;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Draining;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Step;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Waiting;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long poll behind {@code POST /hooks/pre-stop/{namespace}/{pod}}: starts the drain on the worker
 * pool, then checks the worker every {@code checkEvery} (a Vert.x timer, so no thread waits) until
 * it is idle, gone, or the deadline passed. Progress lines go to {@code progress} when the load
 * changes and at least every {@link #KEEP_ALIVE} (the secure port closes connections idle for 60 s).
 * <b>Fail open</b>: any internal failure ends the wait at once with outcome failed_open, logged and
 * counted ({@code adapter_prestop_total{outcome}}): a broken adapter never holds a pod's termination.
 */
public final class PreStopService {

    private static final Logger LOG = LoggerFactory.getLogger(PreStopService.class);
    static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final WorkerExecutor pool;
    private final MeterRegistry registry;
    private final Duration checkEvery;
    private volatile PodDrain drain;
    private volatile String notReady = "the scale-down hook is still starting";

    PreStopService(Vertx vertx, WorkerExecutor pool, MeterRegistry registry, Duration checkEvery) {
        this.vertx = vertx;
        this.pool = pool;
        this.registry = registry;
        this.checkEvery = checkEvery;
    }

    /** Pre-stop requests are served from now on (before, they end at once). */
    void started(PodDrain podDrain) {
        this.drain = podDrain;
    }

    /** Without {@code scaleDown:} there is nothing to drain. */
    void notConfigured() {
        this.notReady = "no scaleDown: in the configuration";
    }

    /**
     * Drains {@code namespace/pod} and completes once there is nothing more to wait for. Never fails.
     *
     * @param atMost     the caller's limit, if any
     * @param progress   called on the event loop with a line about the wait
     * @param callerGone true once the caller hung up: the wait ends (nobody waits for it any more)
     */
    Future<Done> drain(String namespace, String pod, Optional<Duration> atMost, Consumer<String> progress,
                       BooleanSupplier callerGone) {
        PodDrain now = drain;
        if (now == null) {
            return Future.succeededFuture(counted(namespace, new Done(PodDrain.NOT_GUARDED, null, "pod " + namespace
                    + "/" + pod + ": nothing to wait for, " + notReady)));
        }
        Promise<Done> result = Promise.promise();
        pool.<Step>executeBlocking(() -> now.begin(namespace, pod, atMost), false).onComplete(begun -> {
            if (begun.failed()) {
                result.complete(failOpen(namespace, pod, begun.cause()));
            } else if (begun.result() instanceof Draining draining) {
                say(progress, "draining pod " + namespace + "/" + pod + " of " + draining.workload.describe()
                        + ": worker " + draining.worker + " takes no new tasks; waiting until " + draining.deadline,
                        namespace, pod);
                new Wait(now, draining, progress, callerGone, result).next();
            } else {
                result.complete((Done) begun.result());
            }
        });
        return result.future().map(done -> counted(namespace, done));
    }

    /** One wait: a check, then a timer for the next, until done. */
    private final class Wait {
        private final PodDrain podDrain;
        private final Draining draining;
        private final Consumer<String> progress;
        private final BooleanSupplier callerGone;
        private final Promise<Done> result;
        private String said = "";
        private long saidAt = System.nanoTime();

        Wait(PodDrain podDrain, Draining draining, Consumer<String> progress, BooleanSupplier callerGone,
             Promise<Done> result) {
            this.podDrain = podDrain;
            this.draining = draining;
            this.progress = progress;
            this.callerGone = callerGone;
            this.result = result;
        }

        void next() {
            pool.<Step>executeBlocking(() -> podDrain.check(draining), false).onComplete(checked -> {
                if (checked.failed()) {
                    end(failOpen(draining.namespace, draining.pod, checked.cause()));
                } else if (checked.result() instanceof Done done) {
                    end(done);
                } else if (callerGone.getAsBoolean()) {
                    end(new Done("caller_gone", draining.workload, "the caller of the pre-stop hook of pod "
                            + draining.pod + " hung up; stopped waiting"));
                } else {
                    say(((Waiting) checked.result()).what());
                    vertx.setTimer(checkEvery.toMillis(), id -> next());
                }
            });
        }

        private void say(String what) {
            long now = System.nanoTime();
            if (!what.equals(said) || Duration.ofNanos(now - saidAt).compareTo(KEEP_ALIVE) >= 0) {
                said = what;
                saidAt = now;
                try {
                    progress.accept("waiting: " + what);
                } catch (RuntimeException e) {
                    // A line that cannot be written must not end (or hang) the wait.
                    LOG.warn("pre-stop of pod {}/{}: could not write a progress line: {}", draining.namespace,
                            draining.pod, e.toString());
                }
            }
        }

        private void end(Done done) {
            podDrain.finished(draining);
            result.complete(done);
        }
    }

    private static void say(Consumer<String> progress, String line, String namespace, String pod) {
        try {
            progress.accept(line);
        } catch (RuntimeException e) {
            LOG.warn("pre-stop of pod {}/{}: could not write a progress line: {}", namespace, pod, e.toString());
        }
    }

    private Done failOpen(String namespace, String pod, Throwable error) {
        LOG.warn("pre-stop of pod {}/{}: the hook failed, not waiting (fail open): {}", namespace, pod,
                error.toString(), error);
        return new Done(PodDrain.FAILED_OPEN, null, "pod " + namespace + "/" + pod
                + ": not waiting because the pre-stop hook failed: " + error.getMessage());
    }

    private Done counted(String namespace, Done done) {
        Counter.builder("adapter.prestop").description("pre-stop hook requests answered, by outcome")
                .tag("kind", done.workload() == null ? "" : done.workload().kind().configName())
                .tag("namespace", namespace).tag("workload", done.workload() == null ? "" : done.workload().name())
                .tag("outcome", done.outcome())
                .register(registry).increment();
        if (!PodDrain.IDLE.equals(done.outcome())) {
            LOG.info("pre-stop {}: {}", done.outcome(), done.message());
        }
        return done;
    }
}
