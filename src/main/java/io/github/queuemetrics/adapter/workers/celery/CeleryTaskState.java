package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;

/**
 * One task as told by task events. Times are the worker's event timestamps (epoch seconds as the
 * worker's clock saw them); null where that event has not been seen.
 *
 * @param hostname the worker it was last received or started on (for {@code task-sent}, none)
 * @param queue    routing key from {@code task-sent}, which only producers with
 *                 {@code task_send_sent_event} publish; null otherwise
 */
public record CeleryTaskState(String uuid, String name, State state, String hostname, String queue,
                              Instant sentAt, Instant receivedAt, Instant startedAt, Instant finishedAt,
                              Double runtimeSeconds) {

    /** Task states in the order a task lives them; the last four are final. */
    public enum State {
        PENDING, RECEIVED, STARTED, RETRIED, SUCCEEDED, FAILED, REVOKED, REJECTED;

        public boolean isFinal() {
            return this == SUCCEEDED || this == FAILED || this == REVOKED || this == REJECTED;
        }
    }
}
