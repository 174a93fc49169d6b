package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;
import java.util.Set;

/**
 * What the events said about one Celery worker, as of one moment. Fields a worker has not
 * reported yet are null (a worker known only from task events has no {@code freq}).
 *
 * @param alive            online and its last heartbeat is within two of its own periods
 * @param online           false once a {@code worker-offline} arrived (warm shutdown)
 * @param active           executing requests, from the last heartbeat
 * @param processed        tasks received in the worker's life, from the last heartbeat
 * @param lastHeartbeat    local time the last worker event (or task event) was received
 * @param heartbeatExpires {@code lastHeartbeat + 2 * freq}; null without a heartbeat
 * @param runningTasks     uuids started and not yet finished, per task events ({@code -E})
 * @param tasksSucceeded   {@code task-succeeded} events seen from this worker
 * @param tasksFailed      {@code task-failed} events seen from this worker
 * @param heartbeats       worker events counted as heartbeats (online + heartbeat)
 */
public record CeleryWorkerState(String nodename, boolean alive, boolean online, Long pid, Double freq,
                                Integer active, Long processed, String swIdent, String swVersion,
                                Instant lastHeartbeat, Instant heartbeatExpires, Instant offlineAt,
                                Set<String> runningTasks, long tasksSucceeded, long tasksFailed, long heartbeats) {

    /** Tasks that finished executing (succeeded or failed) on this worker, per task events. */
    public long tasksCompleted() {
        return tasksSucceeded + tasksFailed;
    }
}
