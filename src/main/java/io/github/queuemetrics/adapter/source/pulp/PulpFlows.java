package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.source.rate.QueueFlow;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Arrival and completion rates of Pulp items, per second over the last minute.
 *
 * <p>Each poll counts the tasks created since the previous poll ({@code pulp_created} after the
 * previous poll's database time: indexed, exact whatever they did since) and the outstanding ones
 * now. Every task that arrived either finished or is still outstanding, so completed = arrived -
 * (outstanding now - outstanding before): a task counts as completed when it reaches a final state
 * (completed, failed, canceled or skipped). Pulp has no index on {@code finished_at}; counting
 * finished tasks directly would read every finished task of the table each poll.
 *
 * <p>Where it is not exact: Pulp sets {@code pulp_created} in the API process before the INSERT
 * commits, so a task that becomes visible just after a poll with a creation time just before it
 * is counted by the outstanding difference but not as an arrival of the next poll; the completions
 * of that step are floored at 0 ({@link QueueFlow}) and may miss one task. Rates are absent (never
 * 0) until two polls are known; a failed poll loses nothing (the next one counts from the last good
 * poll's time).
 */
final class PulpFlows {

    static final Duration WINDOW = Duration.ofMinutes(1);

    private final Map<String, QueueFlow> flows = new HashMap<>();
    private final Map<String, Long> lastOutstanding = new HashMap<>();

    /** Adds one poll of one item; {@code first} when there is no previous poll to count from. */
    void update(String item, Instant at, PulpCounts counts, boolean first) {
        QueueFlow flow = flows.computeIfAbsent(item, i -> new QueueFlow(WINDOW));
        Long before = lastOutstanding.put(item, counts.outstanding());
        if (first || before == null) {
            flow.restart(at, counts.outstanding());
        } else {
            double completed = counts.arrived() - (counts.outstanding() - before);
            flow.advance(at, completed, counts.outstanding());
        }
    }

    /** Items no longer served are forgotten. */
    void retain(Set<String> items) {
        flows.keySet().retainAll(items);
        lastOutstanding.keySet().retainAll(items);
    }

    QueueSample withRates(QueueSample sample) {
        QueueFlow flow = flows.get(sample.queue());
        if (flow == null) {
            return sample;
        }
        QueueSample result = sample;
        var completions = flow.completionRate();
        if (completions.isPresent()) {
            result = result.with(QueueMetric.COMPLETION_RATE, completions.getAsDouble());
        }
        var arrivals = flow.arrivalRate();
        if (arrivals.isPresent()) {
            result = result.with(QueueMetric.ARRIVAL_RATE, arrivals.getAsDouble());
        }
        return result;
    }
}
