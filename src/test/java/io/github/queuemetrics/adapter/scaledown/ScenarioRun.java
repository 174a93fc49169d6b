package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop.Outcome;
import io.github.queuemetrics.adapter.testsupport.HpaSyncLoop.Step;
import io.github.queuemetrics.adapter.testsupport.KubeletSimulator.Removal;
import io.github.queuemetrics.adapter.testsupport.TaskLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one workload's part of a {@link ScaleDownScenario} showed: the tasks' fate, every HPA sync,
 * the pods removed, the failures of the simulations themselves, and the scale-downs the hook held
 * ({@link #holds()}: from the first denied review to the allowed one, with what the victims still
 * had to run at the first denial, from the task log).
 */
public record ScenarioRun(String name, TaskLedger.Summary tasks, List<Step> steps, List<Removal> removals,
                          List<String> errors, Map<String, TaskLedger.Start> starts, Map<String, Double> planned,
                          String scrape, Duration took) {

    /**
     * A held scale-down: denied first at {@code firstDenied}, allowed at {@code allowed};
     * {@code remaining}: the longest a victim still had to run (its running task, or one it held and
     * ran later) at the first denial, from each task's start plus its planned duration.
     */
    public record Hold(Instant firstDenied, Instant allowed, int from, int to, List<String> victims,
                       Duration remaining) {
        public Duration latency() {
            return Duration.between(firstDenied, allowed);
        }

        public Duration overhead() {
            return latency().minus(remaining);
        }
    }

    public long denials() {
        return steps.stream().filter(s -> s.outcome() == Outcome.DENIED).count();
    }

    public List<Step> allowed(boolean down) {
        return steps.stream().filter(s -> s.outcome() == Outcome.ALLOWED && s.scaleDown() == down).toList();
    }

    public List<String> sigkilled() {
        return removals.stream().filter(Removal::sigkilled).map(Removal::pod).toList();
    }

    /** A scale-down still denied at the last sync (the hook held it until the end): null if none. */
    public Instant heldAtTheEnd() {
        Instant firstDenied = null;
        for (Step s : steps) {
            firstDenied = s.outcome() == Outcome.DENIED ? (firstDenied == null ? s.at() : firstDenied) : null;
        }
        return firstDenied;
    }

    /** Every scale-down that was denied before it was allowed. */
    public List<Hold> holds() {
        List<Hold> holds = new ArrayList<>();
        Instant firstDenied = null;
        for (Step s : steps) {
            if (s.outcome() == Outcome.DENIED) {
                firstDenied = firstDenied == null ? s.at() : firstDenied;
                continue;
            }
            if (s.outcome() == Outcome.ALLOWED && s.scaleDown() && firstDenied != null) {
                List<String> victims = victimsOf(s);
                holds.add(new Hold(firstDenied, s.at(), s.current(), s.desired(), victims,
                        remaining(victims, firstDenied, s.at())));
            }
            firstDenied = null;
        }
        return holds;
    }

    /**
     * Tasks running on a pod when it got SIGTERM that had started before the scale-down removing it
     * was allowed: what the hook exists to prevent ("task id on pod"). A task a victim took after the
     * allowed review (RQ cannot be told to stop) is not counted; its warm shutdown must finish it.
     */
    public List<String> runningAtRemoval() {
        List<String> found = new ArrayList<>();
        List<Step> downs = allowed(true);
        for (Removal r : removals) {
            Instant allowedAt = downs.stream().map(Step::at).filter(t -> !t.isAfter(r.sigterm().plusMillis(200)))
                    .max(Instant::compareTo).orElse(null);
            if (allowedAt == null) {
                continue;
            }
            for (Map.Entry<String, TaskLedger.Start> e : starts.entrySet()) {
                Double seconds = planned.get(e.getKey());
                Instant start = e.getValue().at();
                if (seconds != null && podOf(e.getValue()).equals(r.pod()) && start.isBefore(allowedAt)
                        && start.plusMillis(Math.round(seconds * 1000)).isAfter(r.sigterm())) {
                    found.add(e.getKey() + " on " + r.pod());
                }
            }
        }
        return found;
    }

    private static String podOf(TaskLedger.Start start) {
        return start.worker().substring(start.worker().indexOf('@') + 1); // celery@<pod>, or <pod> (RQ)
    }

    public Duration longestHold() {
        if (heldAtTheEnd() != null) {
            return Duration.ofDays(1);
        }
        return holds().stream().map(Hold::latency).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** The pods that got SIGTERM after this allowed scale-down, as many as it removed. */
    private List<String> victimsOf(Step allowed) {
        return removals.stream().filter(r -> !r.sigterm().isBefore(allowed.at().minusMillis(200)))
                .limit(allowed.current() - allowed.desired()).map(Removal::pod).toList();
    }

    private Duration remaining(List<String> victims, Instant firstDenied, Instant allowed) {
        Duration longest = Duration.ZERO;
        for (Map.Entry<String, TaskLedger.Start> e : starts.entrySet()) {
            String pod = podOf(e.getValue());
            Double seconds = planned.get(e.getKey());
            if (seconds == null || !victims.contains(pod) || !e.getValue().at().isBefore(allowed)) {
                continue;
            }
            Instant end = e.getValue().at().plusMillis(Math.round(seconds * 1000));
            Duration left = Duration.between(firstDenied, end);
            longest = left.compareTo(longest) > 0 ? left : longest;
        }
        return longest;
    }

    @Override
    public String toString() {
        return name + ": " + tasks + "; scale-ups " + allowed(false).size() + ", scale-downs "
                + allowed(true).size() + ", denials " + denials() + ", held scale-downs " + holds().size()
                + ", longest hold " + longestHold().toSeconds() + " s, running at their pod's SIGTERM "
                + runningAtRemoval() + ", SIGKILLed " + sigkilled() + ", took "
                + took.toSeconds() + " s";
    }
}
