package io.github.queuemetrics.adapter.testsupport;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The HPA controller's algorithm for External metrics without {@code spec.behavior}, as documented
 * in shared/reference/external-metrics-api.md section 4 (replica_calculator.go, horizontal.go):
 * sum the items' milli-values, compute the proposal, keep it within the 0.1 tolerance, take the max
 * recommendation of the last 300 s for scale-down stabilization (configurable, as users set
 * {@code behavior.scaleDown.stabilizationWindowSeconds}), and clamp to
 * [min, min(max, max(2 × current, 4))]. A failed fetch keeps the current size (the HPA never
 * scales down on an error).
 *
 * <p>{@link #sync} computes and applies; {@link #propose} computes (recording the recommendation
 * for the window, as the HPA does before it writes) and {@link #scaledTo} applies once the scale
 * update was admitted: a denied update leaves the replicas as they were.
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
    /** --horizontal-pod-autoscaler-downscale-stabilization. */
    public static final long DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;

    private final TargetType targetType;
    private final long targetMilli;
    private final int minReplicas;
    private final int maxReplicas;
    private final long downscaleStabilizationSeconds;
    private final Deque<Recommendation> recommendations = new ArrayDeque<>();
    private int replicas;
    private String lastCondition = "";

    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas) {
        this(targetType, targetMilli, minReplicas, maxReplicas, replicas, DEFAULT_DOWNSCALE_STABILIZATION_SECONDS);
    }

    public HpaSimulator(TargetType targetType, long targetMilli, int minReplicas, int maxReplicas, int replicas,
                        long downscaleStabilizationSeconds) {
        this.downscaleStabilizationSeconds = downscaleStabilizationSeconds;
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
     * One sync of the HPA at {@code nowSecond}: {@code readyPods} is used only by Value targets
     * (status replicas are taken to be the current replicas). Returns the new replica count.
     */
    public int sync(long nowSecond, Fetch fetch, int readyPods) {
        replicas = propose(nowSecond, fetch, replicas, readyPods);
        return replicas;
    }

    /**
     * The replica count one sync at {@code nowSecond} wants, from the current {@code spec.replicas}
     * ({@link #replicas()}), {@code statusReplicas} (pods that exist; AverageValue targets) and
     * {@code readyPods} (Value targets). Records the recommendation; changes nothing else.
     */
    public int propose(long nowSecond, Fetch fetch, int statusReplicas, int readyPods) {
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
        if (fetch instanceof Failure failure) {
            lastCondition = "ScalingActive=False FailedGetExternalMetric: unable to fetch metrics from external "
                    + "metrics API: " + failure.reason();
            return current;
        }
        List<Long> values = ((Values) fetch).milliValues();
        if (values.isEmpty()) {
            lastCondition = "ScalingActive=False FailedGetExternalMetric: no metrics returned from external metrics API";
            return current;
        }
        long sum = 0;
        for (long v : values) {
            sum = (Long.MAX_VALUE - sum < v) ? Long.MAX_VALUE : sum + v;
        }
        int proposal = targetType == TargetType.AVERAGE_VALUE
                ? averageValueProposal(sum, statusReplicas)
                : valueProposal(sum, current, readyPods);
        lastCondition = "ScalingActive=True";
        return normalize(nowSecond, current, proposal);
    }

    /** The scale update to {@code newReplicas} was admitted and written (or someone else scaled). */
    public void scaledTo(int newReplicas) {
        replicas = newReplicas;
    }

    /** GetExternalPerPodMetricReplicas: ratio against target × statusReplicas, readiness ignored. */
    private int averageValueProposal(long sum, int statusReplicas) {
        // 0 status replicas: an infinite (or NaN) ratio, outside the tolerance, as in the controller.
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
                && recommendations.peekFirst().atSecond() < nowSecond - downscaleStabilizationSeconds) {
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
