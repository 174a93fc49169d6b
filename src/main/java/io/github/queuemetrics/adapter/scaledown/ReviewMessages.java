package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.config.Durations;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.RunningTask;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The texts of the hook's answers. A denial reaches people through the HPA's FailedRescale event
 * ("admission webhook ... denied the request: <message>"), so it names each pod that holds the
 * scale-down and what it still runs, and says when the wait ends at the latest.
 */
final class ReviewMessages {

    /** How many task names a message lists per pod before "and N more". */
    static final int TASKS_SHOWN = 3;

    private ReviewMessages() {
    }

    /** One victim that still holds work: its pod, worker, and load (null when it did not answer). */
    record Busy(String pod, String worker, WorkerLoad load) {
    }

    static String scale(String workload, int from, int to) {
        return workload + " " + from + " -> " + to;
    }

    static String notAScaleDown(String workload, int from, int to) {
        return scale(workload, from, to) + ": not a scale-down";
    }

    /**
     * @param idle    victims whose workers answered with nothing to run (drained)
     * @param nothing why each other victim holds nothing ("wk-1: pod not running")
     */
    static String allowed(String workload, int from, int to, List<String> idle, List<String> nothing) {
        List<String> parts = new java.util.ArrayList<>();
        if (!idle.isEmpty()) {
            parts.add(String.join(", ", idle) + (idle.size() == 1 ? " holds" : " hold") + " no tasks");
        }
        parts.addAll(nothing);
        return scale(workload, from, to) + ": allowed, " + String.join("; ", parts);
    }

    static String noPod(String pod) {
        return pod + ": no such pod";
    }

    static String notRunning(String pod) {
        return pod + ": pod not running";
    }

    /** Gone, or never seen: a workerName that does not match the workers' names reads like this too. */
    static String workerGone(String pod, String worker) {
        return pod + ": worker " + worker + " is gone (no heartbeat, no answer to ping)";
    }

    static String denied(String workload, int from, int to, List<Busy> busy, Instant since, Duration drainTimeout,
                         Instant now, boolean dryRun) {
        if (dryRun) {
            return scale(workload, from, to) + ": denied while " + describe(busy) + " (dry run: nothing was drained)";
        }
        Duration left = Duration.between(now, since.plus(drainTimeout));
        return scale(workload, from, to) + ": denied while " + describe(busy)
                + "; draining since " + since + ", no new tasks are taken. Allowed once idle, or when drainTimeout "
                + Durations.format(drainTimeout) + " has passed (in " + Durations.format(roundUp(left)) + ")";
    }

    static String timedOut(String workload, int from, int to, List<Busy> busy, Instant since, Duration drainTimeout) {
        return scale(workload, from, to) + ": allowed because drainTimeout " + Durations.format(drainTimeout)
                + " has passed (draining since " + since + ") although " + describe(busy);
    }

    static String describe(List<Busy> busy) {
        return busy.stream().map(ReviewMessages::describe).collect(Collectors.joining("; "));
    }

    private static String describe(Busy b) {
        String who = b.pod() + " (" + b.worker() + ")";
        if (b.load() == null) {
            return who + " did not answer the remote control, so its tasks are unknown";
        }
        StringBuilder out = new StringBuilder(who);
        List<RunningTask> running = b.load().running();
        if (!running.isEmpty()) {
            out.append(" runs ").append(running.stream().limit(TASKS_SHOWN)
                    .map(t -> t.name() + "[" + t.id() + "]").collect(Collectors.joining(", ")));
            if (running.size() > TASKS_SHOWN) {
                out.append(" and ").append(running.size() - TASKS_SHOWN).append(" more");
            }
        }
        if (b.load().prefetched() > 0) {
            out.append(running.isEmpty() ? " holds " : " and holds ").append(b.load().prefetched())
                    .append(b.load().prefetched() == 1 ? " prefetched task" : " prefetched tasks");
        }
        return out.toString();
    }

    /** Whole seconds, rounded up, at least 1 s: "in 0s" would read as "now". */
    private static Duration roundUp(Duration d) {
        long seconds = Math.max(1, (d.toMillis() + 999) / 1000);
        return Duration.ofSeconds(seconds);
    }
}
