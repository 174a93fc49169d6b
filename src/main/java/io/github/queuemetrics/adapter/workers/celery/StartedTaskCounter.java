package io.github.queuemetrics.adapter.workers.celery;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tasks started per queue, cumulative, from the workers' heartbeat counter {@code processed}.
 *
 * <p>Celery 5.2 counts a task in {@code processed} when the worker accepts it for execution
 * ({@code worker.state.task_accepted}), i.e. when it starts; the heartbeat (every 2 s by default)
 * carries the count. It is per worker, not per queue, so each poll's increase is attributed to the
 * queues the worker consumes ({@code active_queues}):
 * <ul>
 *   <li>a worker consuming one queue: all of it, exactly (one worker Deployment per queue);</li>
 *   <li>a worker consuming several: an <b>estimate</b>, in proportion to the distinct tasks of each
 *   queue seen in its {@code active} lists over the last minute, or evenly when none was seen
 *   (short tasks are seen less often than long ones: the split leans towards the long ones).</li>
 * </ul>
 *
 * <p>The count resets when the worker process restarts (a new pid, or a smaller count under the
 * same nodename and pid, as in a restarted container): the new process counted from 0 since then,
 * so its whole count is new. A worker first seen, or last seen longer than a minute ago, only sets
 * the base: what it did before cannot be placed in time.
 *
 * <p>Not thread-safe: used by the tracker's refresh, which runs on one poller.
 */
final class StartedTaskCounter {

    static final Duration WINDOW = Duration.ofMinutes(1);

    /** The last count taken from one worker. */
    private record Base(Long pid, long processed, Instant at) {
    }

    private record Seen(String queue, Instant at) {
    }

    private final Map<String, Base> bases = new HashMap<>();
    /** Per worker: task id -> queue (routing key) and when last seen in its active list. */
    private final Map<String, Map<String, Seen>> recent = new HashMap<>();
    private final Map<String, Double> started = new HashMap<>();

    /**
     * Takes one poll: the workers' states from the registry and what each answered.
     *
     * @param states  every worker the registry remembers (alive or not: a worker that went offline
     *                still reports the tasks it started before it left)
     * @param views   the workers' latest answers (queues and active tasks)
     * @param answered the workers that answered in this poll (their active lists are fresh)
     */
    void update(Collection<CeleryWorkerState> states, Map<String, WorkerView> views,
                Set<String> answered, Instant now) {
        for (String worker : answered) {
            WorkerView view = views.get(worker);
            Map<String, Seen> seen = recent.computeIfAbsent(worker, w -> new HashMap<>());
            for (TaskInfo task : view.active()) {
                if (task.id() != null && task.routingKey() != null) {
                    seen.put(task.id(), new Seen(task.routingKey(), now));
                }
            }
        }
        for (Map<String, Seen> seen : recent.values()) {
            seen.values().removeIf(s -> s.at().plus(WINDOW).isBefore(now));
        }
        for (CeleryWorkerState state : states) {
            if (state.processed() == null) {
                continue;
            }
            WorkerView view = views.get(state.nodename());
            if (view == null) {
                continue; // its queues are not known yet: keep the base, attribute once they are
            }
            long delta = delta(bases.get(state.nodename()), state, now);
            bases.put(state.nodename(), new Base(state.pid(), state.processed(), now));
            if (delta > 0) {
                attribute(delta, view, recent.getOrDefault(state.nodename(), Map.of()));
            }
        }
        Set<String> known = views.keySet();
        bases.keySet().retainAll(known);
        recent.keySet().retainAll(known);
    }

    private static long delta(Base base, CeleryWorkerState state, Instant now) {
        if (base == null || base.at().plus(WINDOW).isBefore(now)) {
            return 0;
        }
        boolean restarted = (base.pid() != null && state.pid() != null && !Objects.equals(base.pid(), state.pid()))
                || state.processed() < base.processed();
        return restarted ? state.processed() : state.processed() - base.processed();
    }

    private void attribute(long delta, WorkerView view, Map<String, Seen> seen) {
        Set<String> queues = view.queues();
        if (queues.size() == 1) {
            started.merge(queues.iterator().next(), (double) delta, Double::sum);
            return;
        }
        Map<String, Integer> weights = new HashMap<>();
        for (Seen s : seen.values()) {
            weights.merge(s.queue(), 1, Integer::sum);
        }
        if (weights.isEmpty()) {
            queues.forEach(q -> weights.put(q, 1));
        }
        int total = weights.values().stream().mapToInt(Integer::intValue).sum();
        weights.forEach((q, w) -> started.merge(q, delta * (double) w / total, Double::sum));
    }

    /** Tasks started from {@code queue} since tracking began (0 for a queue no counted worker took from). */
    double started(String queue) {
        return started.getOrDefault(queue, 0.0);
    }

    /** Forgets queues the source no longer has; their count starts again at 0 if they come back. */
    void retainQueues(Collection<String> queues) {
        Iterator<String> it = started.keySet().iterator();
        while (it.hasNext()) {
            if (!queues.contains(it.next())) {
                it.remove();
            }
        }
    }
}
