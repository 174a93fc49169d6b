package io.github.queuemetrics.adapter.testsupport;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The HPA controller's algorithm for one External metric, as documented in
 * shared/reference/external-metrics-api.md section 4 (replica_calculator.go, horizontal.go).
 * {@link HpaRecommender} turns the items into the raw proposal (AverageValue or Value target,
 * tolerance 0.1, ready pods for Value); this class is the reconcile around it:
 * <ul>
 *   <li>spec.replicas 0 with minReplicas &gt; 0: scaling disabled; above max or below min: to the
 *       bound without reading the metric; a failed fetch keeps the size (never a scale-down).</li>
 *   <li>Without {@code spec.behavior} (normalizeDesiredReplicas): the max recommendation of the
 *       last 300 s (the controller flag; configurable here), then clamp to
 *       [min, min(max, max(2 × current, 4))].</li>
 *   <li>With {@code spec.behavior} (normalizeDesiredReplicasWithBehaviors, {@link HpaBehavior}):
 *       current clamped between the min recommendation of the scale-up window and the max of the
 *       scale-down window, then each direction's policies over the scale events of their period
 *       ({@code periodStart = current - added + removed}; Pods ±v, Percent ceil(×(1+v/100)) up,
 *       floor(×(1-v/100)) down; Max takes the largest change, Min the smallest, Disabled none),
 *       then clamp to [min, max].</li>
 * </ul>
 * Times are seconds on any clock that only moves forward.
 *
 * <p>{@link #sync} computes and applies; {@link #propose} computes (recording the recommendation
 * for the windows, as the HPA does before it writes) and {@link #scaled} records a scale update
 * that was admitted and written: a denied update leaves the replicas and records no scale event.
 */
public final class HpaSimulator {

    /** What one fetch of the metric gave: the items' values in milli-units, or an error. */
    public sealed interface Fetch permits Values, Failure {
    }

    public record Values(List<Long> milliValues) implements Fetch {
    }

    public record Failure(String reason) implements Fetch {
    }

    /** AverageValue (per-pod target) or Value (total target). */
    public enum TargetType { AVERAGE_VALUE, VALUE }

    private record Recommendation(double at, int replicas) {
    }

    private record ScaleEvent(double at, int change) {
    }

    /** --horizontal-pod-autoscaler-downscale-stabilization. */
    public static final long DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;

    private final HpaRecommender recommender;
    private final int minReplicas;
    private final int maxReplicas;
    private final long downscaleStabilizationSeconds;
    /** Null: no spec.behavior. Else with its defaults filled. */
    private final HpaBehavior behavior;
    private final Deque<Recommendation> recommendations = new ArrayDeque<>();
    private final Deque<ScaleEvent> scaleUpEvents = new ArrayDeque<>();
    private final Deque<ScaleEvent> scaleDownEvents = new ArrayDeque<>();
    private int replicas;
    private String lastCondition = "";

    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas) {
        this(targetType, targetMilli, minReplicas, maxReplicas, replicas, DEFAULT_DOWNSCALE_STABILIZATION_SECONDS);
    }

    /** No spec.behavior, the controller's downscale stabilization set to {@code downscaleStabilizationSeconds}. */
    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas,
                        long downscaleStabilizationSeconds) {
        this(targetType, targetMilli, minReplicas, maxReplicas, replicas, downscaleStabilizationSeconds, null);
    }

    /** With {@code spec.behavior} (null: none), the controller's flag at its default of 300 s. */
    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas,
                        HpaBehavior behavior) {
        this(targetType, targetMilli, minReplicas, maxReplicas, replicas, DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
                behavior);
    }

    private HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas,
                         long downscaleStabilizationSeconds, HpaBehavior behavior) {
        if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas || targetMilli <= 0) {
            throw new IllegalArgumentException("need 0 <= minReplicas <= maxReplicas, maxReplicas >= 1, target > 0");
        }
        this.recommender = new HpaRecommender(targetType, targetMilli);
        this.minReplicas = minReplicas;
        this.maxReplicas = maxReplicas;
        this.downscaleStabilizationSeconds = downscaleStabilizationSeconds;
        this.behavior = behavior == null ? null : behavior.withDefaults(downscaleStabilizationSeconds);
        this.replicas = replicas;
    }

    public int replicas() {
        return replicas;
    }

    /** e.g. "ScalingActive=False FailedGetExternalMetric: ..." after a failed fetch. */
    public String lastCondition() {
        return lastCondition;
    }

    /**
     * One sync at {@code now}: pods taken to be the current replicas, all ready unless
     * {@code readyPods} says otherwise (Value targets). Returns the new replica count.
     */
    public int sync(double now, Fetch fetch, int readyPods) {
        int before = replicas;
        int desired = propose(now, fetch, replicas, readyPods);
        scaled(now, before, desired);
        return replicas;
    }

    /** spec.replicas as read at the start of a sync (someone else may have scaled): no scale event. */
    public void observe(int specReplicas) {
        replicas = specReplicas;
    }

    /**
     * The update from {@code from} to {@code to} replicas was admitted and written at {@code now}:
     * with a behavior it counts against the policies' periods (storeScaleEvent).
     */
    public void scaled(double now, int from, int to) {
        replicas = to;
        if (behavior == null || from == to) {
            return;
        }
        (to > from ? scaleUpEvents : scaleDownEvents).addLast(new ScaleEvent(now, Math.abs(to - from)));
    }

    /** {@link #propose(double, Fetch, int, int, int)} with every pod matching the selector counted in status. */
    public int propose(double now, Fetch fetch, int statusReplicas, int readyPods) {
        return propose(now, fetch, statusReplicas, statusReplicas, readyPods);
    }

    /**
     * The replica count one sync at {@code now} wants, from the current {@code spec.replicas}
     * ({@link #replicas()}), {@code statusReplicas} (scale.status.replicas; AverageValue targets),
     * {@code matchingPods} and {@code readyPods} (the selector's pods, and the Running and Ready ones;
     * Value targets). Records the recommendation; changes nothing else.
     */
    public int propose(double now, Fetch fetch, int statusReplicas, int matchingPods, int readyPods) {
        int current = replicas;
        if (current == 0 && minReplicas != 0) {
            lastCondition = "ScalingActive=False ScalingDisabled";
            return current;
        }
        if (current > maxReplicas) {
            return maxReplicas;
        }
        if (current < minReplicas) {
            return minReplicas;
        }
        HpaRecommender.Result raw = recommender.recommend(fetch, current, statusReplicas, matchingPods, readyPods);
        lastCondition = raw.condition();
        if (raw.replicas() < 0) {
            return current;
        }
        return behavior == null ? normalize(now, current, raw.replicas()) : normalizeWithBehavior(now, current,
                raw.replicas());
    }

    /** normalizeDesiredReplicas: stabilization window for scale-down, then the scale-up limit. */
    private int normalize(double now, int current, int proposal) {
        double cutoff = now - downscaleStabilizationSeconds;
        recommendations.removeIf(r -> r.at() < cutoff); // Before(cutoff) is old; the cutoff itself counts
        int stabilized = proposal;
        for (Recommendation r : recommendations) {
            stabilized = Math.max(stabilized, r.replicas());
        }
        recommendations.addLast(new Recommendation(now, proposal));
        int scaleUpLimit = Math.max(2 * current, 4);
        int upper = Math.min(maxReplicas, scaleUpLimit);
        return Math.max(minReplicas, Math.min(upper, stabilized));
    }

    /** normalizeDesiredReplicasWithBehaviors. */
    private int normalizeWithBehavior(double now, int current, int proposal) {
        double upCutoff = now - behavior.scaleUp().windowSeconds();
        double downCutoff = now - behavior.scaleDown().windowSeconds();
        int up = proposal;
        int down = proposal;
        for (Recommendation r : recommendations) {
            if (r.at() > upCutoff) { // rec.timestamp.After(cutoff)
                up = Math.min(up, r.replicas());
            }
            if (r.at() > downCutoff) {
                down = Math.max(down, r.replicas());
            }
        }
        recommendations.removeIf(r -> r.at() < upCutoff && r.at() < downCutoff);
        recommendations.addLast(new Recommendation(now, proposal));
        int stabilized = Math.min(Math.max(current, up), down);
        return limitByRate(now, current, stabilized);
    }

    /** convertDesiredReplicasWithBehaviorRate. */
    private int limitByRate(double now, int current, int desired) {
        if (desired > current) {
            int limit = Math.max(current, rateLimit(now, current, behavior.scaleUp(), true));
            return Math.min(desired, Math.min(maxReplicas, limit));
        }
        if (desired < current) {
            int limit = Math.min(current, rateLimit(now, current, behavior.scaleDown(), false));
            return Math.max(desired, Math.max(minReplicas, limit));
        }
        return desired;
    }

    /** calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors. */
    private int rateLimit(double now, int current, HpaBehavior.Rules rules, boolean upward) {
        if (rules.selectPolicy() == HpaBehavior.Select.DISABLED) {
            return current;
        }
        // Up: Max is the highest limit; down: Max (the largest change) is the lowest limit.
        boolean takeHighest = upward == (rules.selectPolicy() == HpaBehavior.Select.MAX);
        long result = takeHighest ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (HpaBehavior.Policy policy : rules.policies()) {
            int periodStart = current - changeWithin(scaleUpEvents, now, policy.periodSeconds())
                    + changeWithin(scaleDownEvents, now, policy.periodSeconds());
            long proposed;
            if (policy.type() == HpaBehavior.PolicyType.PODS) {
                proposed = upward ? (long) periodStart + policy.value() : (long) periodStart - policy.value();
            } else {
                double factor = upward ? 1 + policy.value() / 100.0 : 1 - policy.value() / 100.0;
                // Up rounds up (or a small percentage would never add a pod); down truncates.
                proposed = upward ? (long) Math.ceil(periodStart * factor) : (long) (periodStart * factor);
            }
            result = takeHighest ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, result));
    }

    /** getReplicasChangePerPeriod: events strictly after now - period. */
    private static int changeWithin(Deque<ScaleEvent> events, double now, int periodSeconds) {
        double cutoff = now - periodSeconds;
        events.removeIf(e -> e.at() < now - 1800); // no period is longer than 30 min
        int sum = 0;
        for (ScaleEvent e : events) {
            if (e.at() > cutoff) {
                sum += e.change();
            }
        }
        return sum;
    }
}
