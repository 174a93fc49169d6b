package io.github.queuemetrics.adapter.source.celery;

import java.util.Optional;

/**
 * The seam for Celery worker tracking (added later): tasks executing now, per queue, which Redis
 * cannot show. With Celery's default early ack an executing task has already left the
 * {@code unacked} hash, so it is in neither the lists nor the hash; under {@code acks_late} it is
 * still in the hash. The source adds only the former to {@code queue_outstanding}, so each task
 * is counted once.
 */
@FunctionalInterface
public interface RunningTasks {

    /** No worker tracking: {@code queue_running} is absent, outstanding = ready + unacked. */
    RunningTasks NONE = queue -> Optional.empty();

    /**
     * @param running      tasks of the queue executing now (becomes {@code queue_running})
     * @param acknowledged how many of those are already acked, i.e. no longer in {@code unacked}
     */
    record Count(int running, int acknowledged) {
    }

    /** Executing tasks of {@code queue}, or empty when unknown. */
    Optional<Count> running(String queue);
}
