package io.github.queuemetrics.adapter.scaledown;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The workers of one source, as the hook drives them. Blocking (broker round trips): called on the
 * worker pool. A broker that cannot be reached throws; the hook then fails open.
 */
public interface WorkerControl {

    /** Opens the broker connection before the first review needs it. */
    default void warmUp() {
    }

    /** True while the worker is alive (heartbeats); a gone worker holds nothing. */
    boolean alive(String worker);

    /**
     * What tells one run of the worker from the next (Celery: its pid from the heartbeats), or
     * empty when unknown. A restarted worker consumes its queues again, so what was learned about
     * its drain no longer holds.
     */
    default Optional<String> incarnation(String worker) {
        return Optional.empty();
    }

    /** The queues the worker consumes now, or empty when it did not answer. */
    Optional<List<String>> consumedQueues(String worker);

    /**
     * The queues each worker consumes now; a worker that did not answer is absent. One question for
     * all, where the broker allows it: a review asks every victim, and each round trip counts
     * against the second the API server waits.
     */
    default Map<String, List<String>> consumedQueues(List<String> workers) {
        Map<String, List<String>> consumed = new java.util.LinkedHashMap<>();
        for (String worker : workers) {
            consumedQueues(worker).ifPresent(queues -> consumed.put(worker, queues));
        }
        return consumed;
    }

    /** Makes the worker stop taking tasks from {@code queues}; what it holds still runs. */
    void stopConsuming(String worker, List<String> queues);

    /** Makes the worker consume {@code queues} again (undo of a drain). */
    void resumeConsuming(String worker, List<String> queues);

    /** What each worker still runs or holds; a worker that did not answer is absent. */
    Map<String, WorkerLoad> loads(List<String> workers);

    /**
     * @param running    tasks executing now
     * @param prefetched tasks taken from the broker and not started yet (they will run too)
     */
    record WorkerLoad(List<RunningTask> running, int prefetched) {

        public WorkerLoad {
            running = List.copyOf(running);
        }

        public boolean idle() {
            return running.isEmpty() && prefetched == 0;
        }
    }

    /**
     * A task a worker executes.
     *
     * @param name      the task name, e.g. tasks.sleep
     * @param id        the task id
     * @param startedAt wall-clock time it started, or the earliest time the adapter knows it ran
     *                  (a lower bound of its run time, see {@link CeleryTaskStarts}); null when unknown
     */
    record RunningTask(String name, String id, java.time.Instant startedAt) {

        /** A task whose start is unknown. */
        public RunningTask(String name, String id) {
            this(name, id, null);
        }
    }
}
