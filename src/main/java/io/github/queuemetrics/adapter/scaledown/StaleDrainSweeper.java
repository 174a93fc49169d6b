package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.PodState;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.StatefulSetShape;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undoes drains that no scale-down wants any more. The HPA only writes the scale when its desired
 * count differs from the current one: after a denied 3 -> 2, if the load comes back it simply stops
 * asking, and without this the drained pod would stay idle for ever. A drain is stale when no
 * review asked for its pod within {@code undoAfter} and the pod stays under the StatefulSet's
 * current {@code spec.replicas} (a pod above it is being removed: it stays drained); for a
 * Deployment, every drained pod that is not terminating.
 *
 * <p>Runs periodically on the worker pool, and so also cleans up marks left by a crashed adapter.
 * Only the replica holding the {@link SweepLease} sweeps (every step is idempotent anyway, so two
 * sweeping for a moment around a hand-over do no harm).
 */
final class StaleDrainSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(StaleDrainSweeper.class);

    private final WorkloadCluster cluster;
    private final ScaleDownConfig config;
    private final Map<String, WorkerControl> workersBySource;
    private final DrainUndo undo;
    private final Clock clock;

    StaleDrainSweeper(WorkloadCluster cluster, ScaleDownConfig config, Map<String, WorkerControl> workersBySource,
                      DrainUndo undo, Clock clock) {
        this.cluster = cluster;
        this.config = config;
        this.workersBySource = workersBySource;
        this.undo = undo;
        this.clock = clock;
    }

    /** One pass over every guarded StatefulSet; returns how many drains it undid. Blocking. */
    int sweep() {
        int undone = 0;
        for (Workload workload : config.workloads()) {
            WorkerControl workers = workersBySource.get(workload.source());
            if (workers == null) {
                continue;
            }
            try {
                undone += workload.kind() == WorkloadKind.STATEFUL_SET ? sweep(workload, workers)
                        : sweepDeployment(workload, workers);
            } catch (RuntimeException e) {
                LOG.warn("{}: looking for stale drains failed; retried on the next pass: {}", workload.describe(),
                        e.toString());
            }
        }
        return undone;
    }

    /** A Deployment's pods all stay unless terminating (those are not listed). */
    private int sweepDeployment(Workload workload, WorkerControl workers) {
        var shape = cluster.deployment(workload.namespace(), workload.name());
        if (shape.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        int undone = 0;
        for (PodState pod : cluster.podsMatching(workload.namespace(), shape.get().selector()).values()) {
            if (pod.drain().isPresent() && stale(pod.drain().get(), now)
                    && undo.undo(workload, workers, pod.name(), pod.drain().get(), "no scale-down asked for it since "
                    + pod.drain().get().lastAsked())) {
                undone++;
            }
        }
        return undone;
    }

    private boolean stale(DrainMark mark, Instant now) {
        return !mark.lastAsked().plus(config.undoAfter()).isAfter(now);
    }

    private int sweep(Workload workload, WorkerControl workers) {
        Optional<StatefulSetShape> shape = cluster.statefulSet(workload.namespace(), workload.name());
        if (shape.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        int start = shape.get().ordinalsStart();
        int undone = 0;
        for (PodState pod : cluster.pods(workload.namespace(), shape.get()).values()) {
            if (pod.drain().isEmpty()) {
                continue;
            }
            DrainMark mark = pod.drain().get();
            int ordinal = Victims.ordinal(workload.name(), pod.name());
            boolean stays = ordinal >= start && ordinal < start + shape.get().replicas();
            if (stays && stale(mark, now)
                    && undo.undo(workload, workers, pod.name(), mark, "no scale-down asked for it since "
                    + mark.lastAsked())) {
                undone++;
            }
        }
        return undone;
    }
}
