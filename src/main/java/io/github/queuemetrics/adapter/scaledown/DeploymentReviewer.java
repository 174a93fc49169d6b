package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DeploymentShape;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * The decision for a scale update of a guarded Deployment. Scale-down N to M: every pod's cost
 * is computed from what its worker holds ({@link DeploymentVictims}), the N - M cheapest (those
 * already drained first) get {@code controller.kubernetes.io/pod-deletion-cost} below the others'
 * before the answer, so the ReplicaSet removes them, and they are drained and waited for as for a
 * StatefulSet ({@link VictimDrain}). Drained pods read as not ready on their probes, and the
 * ReplicaSet deletes not-ready pods before ready ones, which agrees. Pods drained earlier that are
 * no longer victims, and every drained pod on a scale-up, are undone. Blocking.
 */
public final class DeploymentReviewer {

    private final WorkloadCluster cluster;
    private final Executor background;
    private final DrainUndo undo;
    private final VictimDrain drain;
    private final WorkerChecks checks;
    private final Clock clock;

    /** @param checks where the review's questions to the workers go ({@link WorkerChecks#forReviews}) */
    public DeploymentReviewer(WorkloadCluster cluster, Duration drainTimeout, DrainMarks marks, Executor background,
                              ScaleDownMetrics metrics, Clock clock, WorkerChecks checks) {
        this.cluster = cluster;
        this.background = background;
        this.undo = new DrainUndo(cluster, marks, metrics);
        this.checks = checks;
        this.drain = new VictimDrain(cluster, drainTimeout, marks, metrics, clock, checks);
        this.clock = clock;
    }

    public Decision review(ScaleRequest request, Workload workload, WorkerControl workers) {
        String ns = request.namespace();
        Optional<DeploymentShape> found = cluster.deployment(ns, request.name());
        if (found.isEmpty()) {
            return Decision.allow(request.workload() + ": not found, nothing to drain");
        }
        int from = request.oldReplicas().orElse(found.get().replicas());
        int to = request.newReplicas();
        Map<String, PodState> pods = cluster.podsMatching(ns, found.get().selector());
        if (to >= from) {
            if (!request.dryRun()) {
                undoAll(workload, workers, pods, List.of(), "the Deployment stays at " + to + " replicas");
                checks.forget(VictimDrain.keyPrefix(request)); // what they said of their drains is undone
            }
            return Decision.allow(ReviewMessages.notAScaleDown(request.workload(), from, to));
        }
        List<String> live = new ArrayList<>();
        for (PodState pod : pods.values()) {
            if (pod.running() && workers.alive(workload.workerOf(pod.name()))) {
                live.add(pod.name());
            }
        }
        List<String> liveWorkers = live.stream().map(workload::workerOf).toList();
        // Costs only steer which pods go (the victims are drained and waited for all the same), so
        // an earlier review's loads serve without a guard or a wait.
        Map<String, WorkerLoad> loads = liveWorkers.isEmpty() ? Map.of() : checks.advisory(
                request.workload() + "#loads", // not under keyPrefix: a scale-up does not make costs wrong
                () -> new WorkerChecks.Check(workers.loads(liveWorkers), Map.of(), clock.instant())).loads();
        Map<String, Integer> costs = new LinkedHashMap<>();
        java.time.Instant now = clock.instant();
        for (PodState pod : pods.values()) {
            costs.put(pod.name(), DeploymentVictims.cost(live.contains(pod.name()),
                    loads.get(workload.workerOf(pod.name())), now));
        }
        Set<String> drained = pods.values().stream().filter(p -> p.drain().isPresent()).map(PodState::name)
                .collect(Collectors.toSet());
        List<String> victims = DeploymentVictims.choose(costs, drained, from - to);
        if (!request.dryRun()) {
            undoAll(workload, workers, pods, victims, "it is no longer among the pods to remove");
            for (String victim : victims) {
                // Written once: the HPA asks every 15 s while the drain lasts, and the pods are read
                // fresh for each review (a watch, or a LIST right after the hook's own writes).
                if (!pods.get(victim).deletionCost().equals(Optional.of(DrainAnnotations.VICTIM_DELETION_COST))) {
                    cluster.setDeletionCost(ns, victim, DrainAnnotations.VICTIM_DELETION_COST);
                }
            }
        }
        return drain.decide(request, workload, workers, from, to, victims, pods);
    }

    /** Undoes, in the background, the drain of every drained pod not in {@code keep}. */
    private void undoAll(Workload workload, WorkerControl workers, Map<String, PodState> pods, List<String> keep,
                         String why) {
        for (PodState pod : pods.values()) {
            if (pod.drain().isPresent() && !keep.contains(pod.name())) {
                DrainMark mark = pod.drain().get();
                background.execute(() -> undo.undo(workload, workers, pod.name(), mark, why));
            }
        }
    }
}
