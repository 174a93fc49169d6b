package io.github.queuemetrics.adapter.testsupport;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The HPA controller's algorithm for External metrics without {@code spec.behavior}, as documented
 * in shared/reference/external-metrics-api.md section 4 (replica_calculator.go, horizontal.go):
 * sum the items' milli-values, compute the proposal, keep it within the 0.1 tolerance, take the max
 * recommendation of the last 300 s for scale-down stabilization, and clamp to
 * [min, min(max, max(2 × current, 4))]. A failed fetch keeps the current size (the HPA never
 * scales down on an error).
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

    private record Recommendation(long atSecond, int replicas) {
    }

    private static final double TOLERANCE = 0.1;
    private static final long DOWNSCALE_STABILIZATION_SECONDS = 300;

    private final TargetType targetType;
    private final long targetMilli;
    private final int minReplicas;
    private final int maxReplicas;
    private final Deque<Recommendation> recommendations = new ArrayDeque<>();
    private int replicas;
    private String lastCondition = "";

    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas) {
        this.targetType = targetType;
        this.targetMilli = targetMilli;
        this.minReplicas = minReplicas;
        this.maxReplicas = maxReplicas;
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
     * One sync of the HPA at {@code nowSecond}: {@code readyPods} is used only by Value targets.
     * Returns the new replica count.
     */
    public int sync(long nowSecond, Fetch fetch, int readyPods) {
        int current = replicas;
        if (current == 0 && minReplicas != 0) {
            lastCondition = "ScalingActive=False ScalingDisabled";
            return replicas;
        }
        if (current > maxReplicas) {
            replicas = maxReplicas;
            return replicas;
        }
        if (current < minReplicas) {
            replicas = minReplicas;
            return replicas;
        }
        if (fetch instanceof Failure failure) {
            lastCondition = "ScalingActive=False FailedGetExternalMetric: unable to fetch metrics from external "
                    + "metrics API: " + failure.reason();
            return replicas;
        }
        List<Long> values = ((Values) fetch).milliValues();
        if (values.isEmpty()) {
            lastCondition = "ScalingActive=False FailedGetExternalMetric: no metrics returned from external metrics API";
            return replicas;
        }
        long sum = 0;
        for (long v : values) {
            sum = (Long.MAX_VALUE - sum < v) ? Long.MAX_VALUE : sum + v;
        }
        int proposal = targetType == TargetType.AVERAGE_VALUE
                ? averageValueProposal(sum, current)
                : valueProposal(sum, current, readyPods);
        lastCondition = "ScalingActive=True";
        replicas = normalize(nowSecond, current, proposal);
        return replicas;
    }

    /** GetExternalPerPodMetricReplicas: ratio against target × statusReplicas, readiness ignored. */
    private int averageValueProposal(long sum, int statusReplicas) {
        double ratio = (double) sum / ((double) targetMilli * statusReplicas);
        if (Math.abs(1.0 - ratio) <= TOLERANCE) {
            return statusReplicas;
        }
        return (int) Math.ceil((double) sum / targetMilli);
    }

    /** GetExternalMetricReplicas + getUsageRatioReplicaCount. */
    private int valueProposal(long sum, int specReplicas, int readyPods) {
        double ratio = (double) sum / targetMilli;
        if (specReplicas == 0) {
            return (int) Math.ceil(ratio);
        }
        if (Math.abs(1.0 - ratio) <= TOLERANCE) {
            return specReplicas;
        }
        if (readyPods == 0) {
            throw new IllegalStateException("no pods returned by selector while calculating replica count");
        }
        return (int) Math.ceil(ratio * readyPods);
    }

    /** normalizeDesiredReplicas: stabilization window for scale-down, then the scale-up limit. */
    private int normalize(long nowSecond, int current, int proposal) {
        recommendations.addLast(new Recommendation(nowSecond, proposal));
        while (!recommendations.isEmpty()
                && recommendations.peekFirst().atSecond() < nowSecond - DOWNSCALE_STABILIZATION_SECONDS) {
            recommendations.removeFirst();
        }
        int stabilized = proposal;
        for (Recommendation r : recommendations) {
            stabilized = Math.max(stabilized, r.replicas());
        }
        int scaleUpLimit = Math.max(2 * current, 4);
        int upper = Math.min(maxReplicas, scaleUpLimit);
        return Math.max(minReplicas, Math.min(upper, stabilized));
    }
}
