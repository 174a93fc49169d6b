package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ScaleDownHook}: routes a review to its workload's reviewer on the worker pool and
 * guarantees the answer. <b>Fail open</b>: a parse error, an exception of the reviewer (Kubernetes
 * API or broker down, a bug) or no decision within {@code answerWithin} all answer allowed, logged
 * and counted as {@code failed_open}. A late decision's side effects (a drain started) still complete.
 */
public final class ScaleDownService implements ScaleDownHook {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleDownService.class);
    /** Under the webhook's timeoutSeconds, and within the second the issue asks for. */
    public static final Duration ANSWER_WITHIN = Duration.ofMillis(900);

    /** What the service needs once Kubernetes and the workers are reachable. */
    public record Running(StatefulSetReviewer statefulSets, DeploymentReviewer deployments,
                          Map<String, WorkerControl> workersBySource) {
    }

    private final Vertx vertx;
    private final WorkerExecutor pool;
    private final ScaleDownConfig config;
    private final ScaleDownMetrics metrics;
    private final Duration answerWithin;
    private volatile Running running;

    public ScaleDownService(Vertx vertx, WorkerExecutor pool, ScaleDownConfig config, ScaleDownMetrics metrics,
                            Duration answerWithin) {
        this.vertx = vertx;
        this.pool = pool;
        this.config = config;
        this.metrics = metrics;
        this.answerWithin = answerWithin;
    }

    /** From now on reviews of guarded workloads are decided (before, they fail open). */
    public void started(Running running) {
        this.running = running;
    }

    @Override
    public Future<AdmissionResponse> review(AdmissionRequest admission) {
        String uid = admission.getUid();
        ScaleRequest request = null;
        try {
            String[] why = {""};
            Optional<ScaleRequest> parsed = ScaleRequest.from(admission, why);
            if (parsed.isEmpty()) {
                return Future.succeededFuture(Decision.allow("not a scale update: " + why[0]).toResponse(uid));
            }
            request = parsed.get();
            Optional<ScaleDownConfig.Workload> workload = config.workload(request.kind(), request.namespace(),
                    request.name());
            if (workload.isEmpty()) {
                return Future.succeededFuture(Decision.allow(request.workload()
                        + ": not in scaleDown.workloads").toResponse(uid));
            }
            return decide(request, workload.get()).map(decision -> answer(decision, uid));
        } catch (RuntimeException e) {
            return Future.succeededFuture(answer(counted(request, failOpen(request, e)), uid));
        }
    }

    private Future<Decision> decide(ScaleRequest request, ScaleDownConfig.Workload workload) {
        Running now = running;
        if (now == null) {
            return Future.succeededFuture(counted(request, Decision.failOpen(request.workload()
                    + ": the scale-down hook is still starting; allowed")));
        }
        WorkerControl workers = now.workersBySource().get(workload.source());
        if (workers == null) {
            return Future.succeededFuture(counted(request, Decision.failOpen(request.workload() + ": the workers "
                    + "of source " + workload.source() + " cannot be reached by the hook; allowed")));
        }
        Promise<Decision> answer = Promise.promise();
        long timer = vertx.setTimer(answerWithin.toMillis(), id -> answer.tryComplete(counted(request,
                failOpen(request, new IllegalStateException("no decision within " + answerWithin.toMillis()
                        + " ms")))));
        pool.<Decision>executeBlocking(() -> request.kind() == WorkloadKind.STATEFUL_SET
                        ? now.statefulSets().review(request, workload, workers)
                        : now.deployments().review(request, workload, workers), false)
                .onComplete(result -> {
                    vertx.cancelTimer(timer);
                    Decision decision = result.succeeded() ? result.result() : failOpen(request, result.cause());
                    if (answer.future().isComplete()) {
                        LOG.warn("{}: late decision, after the answer allowed it: {}", request.workload(),
                                decision.message());
                        return;
                    }
                    answer.complete(counted(request, decision));
                });
        return answer.future();
    }

    /** Counts and (unless a plain allow) logs the decision; {@code request} is null when it could not be parsed. */
    private Decision counted(ScaleRequest request, Decision decision) {
        metrics.reviewed(request, decision.outcome());
        if (!Decision.ALLOWED.equals(decision.outcome())) {
            LOG.info("{}{}: {}", request != null && request.dryRun() ? "dry run: " : "", decision.outcome(),
                    decision.message());
        }
        return decision;
    }

    private Decision failOpen(ScaleRequest request, Throwable error) {
        String what = request == null ? "a scale review" : request.workload();
        LOG.warn("{}: the scale-down hook failed, allowing the update (fail open): {}", what, error.toString(), error);
        return Decision.failOpen(what + ": allowed because the scale-down hook failed: " + error.getMessage());
    }

    private static AdmissionResponse answer(Decision decision, String uid) {
        return decision.toResponse(uid);
    }
}
