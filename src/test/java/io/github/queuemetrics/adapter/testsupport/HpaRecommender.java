package io.github.queuemetrics.adapter.testsupport;

import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Failure;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Fetch;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.TargetType;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Values;
import java.util.List;

/**
 * The HPA's raw proposal for one External metric, before stabilization and rate limits
 * (replica_calculator.go; shared/reference/external-metrics-api.md section 4): the items'
 * milli-values are summed (capped at Long.MAX_VALUE); an AverageValue target compares against
 * target × status replicas and ignores readiness; a Value target keeps spec.replicas within the
 * tolerance and otherwise scales the ready pods (phase Running and condition Ready) by the ratio:
 * no pod at all is an error, pods none of which is ready give 0 (the documented caveat: starting
 * pods can make a scale-down proposal).
 */
final class HpaRecommender {

    /** {@code --horizontal-pod-autoscaler-tolerance}. */
    static final double TOLERANCE = 0.1;

    /** {@code replicas} -1: no recommendation (the fetch failed); {@code condition} as the HPA reports it. */
    record Result(int replicas, String condition) {
    }

    private final TargetType targetType;
    private final long targetMilli;

    HpaRecommender(TargetType targetType, long targetMilli) {
        this.targetType = targetType;
        this.targetMilli = targetMilli;
    }

    /**
     * {@code statusReplicas}: scale.status.replicas (AverageValue); {@code matchingPods} and
     * {@code readyPods}: pods of the selector, and those Running and Ready (Value).
     */
    Result recommend(Fetch fetch, int specReplicas, int statusReplicas, int matchingPods, int readyPods) {
        if (fetch instanceof Failure failure) {
            return failed("unable to fetch metrics from external metrics API: " + failure.reason());
        }
        List<Long> values = ((Values) fetch).milliValues();
        if (values.isEmpty()) {
            return failed("no metrics returned from external metrics API");
        }
        long sum = 0;
        for (long v : values) {
            sum = (Long.MAX_VALUE - sum < v) ? Long.MAX_VALUE : sum + v;
        }
        if (targetType == TargetType.AVERAGE_VALUE) {
            return new Result(averageValue(sum, statusReplicas), "ScalingActive=True");
        }
        if (specReplicas != 0 && !withinTolerance((double) sum / targetMilli) && matchingPods == 0) {
            return failed("no pods returned by selector while calculating replica count");
        }
        return new Result(value(sum, specReplicas, readyPods), "ScalingActive=True");
    }

    private static Result failed(String why) {
        return new Result(-1, "ScalingActive=False FailedGetExternalMetric: " + why);
    }

    static boolean withinTolerance(double ratio) {
        return 1.0 - TOLERANCE <= ratio && ratio <= 1.0 + TOLERANCE;
    }

    /** GetExternalPerPodMetricReplicas. */
    private int averageValue(long sum, int statusReplicas) {
        // 0 status replicas: an infinite (or NaN) ratio, outside the tolerance, as in the controller.
        double ratio = (double) sum / ((double) targetMilli * statusReplicas);
        if (withinTolerance(ratio)) {
            return statusReplicas;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil((double) sum / targetMilli));
    }

    /** GetExternalMetricReplicas + getUsageRatioReplicaCount. */
    private int value(long sum, int specReplicas, int readyPods) {
        double ratio = (double) sum / targetMilli;
        if (specReplicas == 0) {
            return (int) Math.min(Integer.MAX_VALUE, Math.ceil(ratio));
        }
        if (withinTolerance(ratio)) {
            return specReplicas;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(ratio * readyPods));
    }
}
