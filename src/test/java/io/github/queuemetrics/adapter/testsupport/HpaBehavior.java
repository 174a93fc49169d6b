package io.github.queuemetrics.adapter.testsupport;

import java.util.List;

/**
 * {@code spec.behavior} of an autoscaling/v2 HorizontalPodAutoscaler, with the API server's defaults
 * (pkg/apis/autoscaling/v2/defaults.go, shared/reference/external-metrics-api.md section 4): a
 * direction left out gets the default rules; inside a given direction a missing window, select
 * policy or policy list gets its default. The scale-down window left null is the controller's
 * {@code --horizontal-pod-autoscaler-downscale-stabilization} (300 s,
 * maybeInitScaleDownStabilizationWindow).
 */
public record HpaBehavior(Rules scaleUp, Rules scaleDown) {

    public enum PolicyType { PODS, PERCENT }

    /** selectPolicy: Max (the largest change, the default), Min (the smallest) or Disabled. */
    public enum Select { MAX, MIN, DISABLED }

    /** At most {@code value} pods (or percent) of change within the last {@code periodSeconds}. */
    public record Policy(PolicyType type, int value, int periodSeconds) {
        public Policy {
            if (value <= 0 || periodSeconds <= 0 || periodSeconds > 1800) {
                throw new IllegalArgumentException("policy value must be > 0 and periodSeconds in 1..1800: " + this);
            }
        }

        public static Policy pods(int value, int periodSeconds) {
            return new Policy(PolicyType.PODS, value, periodSeconds);
        }

        public static Policy percent(int value, int periodSeconds) {
            return new Policy(PolicyType.PERCENT, value, periodSeconds);
        }
    }

    /** HPAScalingRules; a null field takes its default. */
    public record Rules(Integer stabilizationWindowSeconds, Select selectPolicy, List<Policy> policies) {
        public static Rules of(Integer stabilizationWindowSeconds, Select selectPolicy, Policy... policies) {
            return new Rules(stabilizationWindowSeconds, selectPolicy, policies.length == 0 ? null : List.of(policies));
        }

        public int windowSeconds() {
            return stabilizationWindowSeconds;
        }

        public int longestPeriodSeconds() {
            return policies.stream().mapToInt(Policy::periodSeconds).max().orElse(0);
        }
    }

    /** scaleUp: no window, Max of 4 pods or 100 % per 15 s. */
    static final Rules DEFAULT_SCALE_UP = new Rules(0, Select.MAX,
            List.of(Policy.pods(4, 15), Policy.percent(100, 15)));
    /** scaleDown: Max of 100 % per 15 s; the window comes from the controller. */
    static final Rules DEFAULT_SCALE_DOWN = new Rules(null, Select.MAX, List.of(Policy.percent(100, 15)));

    /** {@code behavior: {}}: every default. */
    public static HpaBehavior defaults() {
        return new HpaBehavior(null, null);
    }

    /** The behavior as the controller uses it: defaults filled, the scale-down window initialised. */
    public HpaBehavior withDefaults(long downscaleStabilizationSeconds) {
        return new HpaBehavior(fill(scaleUp, DEFAULT_SCALE_UP, 0),
                fill(scaleDown, DEFAULT_SCALE_DOWN, (int) downscaleStabilizationSeconds));
    }

    private static Rules fill(Rules given, Rules defaults, int defaultWindow) {
        Rules r = given == null ? defaults : given;
        Integer window = r.stabilizationWindowSeconds() != null ? r.stabilizationWindowSeconds()
                : defaults.stabilizationWindowSeconds() != null ? defaults.stabilizationWindowSeconds() : defaultWindow;
        if (window < 0 || window > 3600) {
            throw new IllegalArgumentException("stabilizationWindowSeconds must be in 0..3600: " + window);
        }
        Select select = r.selectPolicy() == null ? Select.MAX : r.selectPolicy();
        List<Policy> policies = r.policies() == null || r.policies().isEmpty() ? defaults.policies() : r.policies();
        return new Rules(window, select, List.copyOf(policies));
    }
}
