package io.github.queuemetrics.adapter.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.testsupport.HpaBehavior.Policy;
import io.github.queuemetrics.adapter.testsupport.HpaBehavior.Rules;
import io.github.queuemetrics.adapter.testsupport.HpaBehavior.Select;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Failure;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.TargetType;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Values;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulation against the documented behaviour of the HPA controller: the worked examples of the
 * Kubernetes documentation ("Horizontal Pod Autoscaling": algorithm details, scaling policies,
 * stabilization window, default behavior and its examples), with the numbers quoted in comments,
 * and the controller's rules in shared/reference/external-metrics-api.md section 4.
 */
class HpaSimulatorTest {

    @Test
    void averageValueScalesToCeilOfSumOverTargetWithinTheScaleUpLimit() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 4000, 1, 10, 1);
        // 30 tasks / 4 per pod = 8 pods, but one sync may only go to max(2 × 1, 4) = 4.
        assertThat(hpa.sync(0, new Values(List.of(20_000L, 10_000L)), 1)).isEqualTo(4);
        assertThat(hpa.sync(15, new Values(List.of(20_000L, 10_000L)), 4)).isEqualTo(8);
    }

    @Test
    void withinToleranceKeepsTheCurrentSize() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 4000, 1, 10, 5);
        // 21 / (4 × 5) = 1.05: inside the 10 % band.
        assertThat(hpa.sync(0, new Values(List.of(21_000L)), 5)).isEqualTo(5);
    }

    @Test
    void scaleDownWaitsForTheStabilizationWindow() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6);
        assertThat(hpa.sync(0, new Values(List.of(6000L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(15, new Values(List.of(0L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(299, new Values(List.of(0L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(316, new Values(List.of(0L)), 6)).isEqualTo(1);
    }

    @Test
    void aFailedFetchNeverScalesDown() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6);
        assertThat(hpa.sync(0, new Failure("503"), 6)).isEqualTo(6);
        assertThat(hpa.sync(400, new Failure("503"), 6)).isEqualTo(6);
        assertThat(hpa.lastCondition()).contains("FailedGetExternalMetric");
        assertThat(hpa.sync(401, new Values(List.of()), 6)).isEqualTo(6);
    }

    @Test
    void valueTargetUsesReadyPods() {
        HpaSimulator hpa = new HpaSimulator(TargetType.VALUE, 10_000, 1, 10, 2);
        // ratio 2 × 2 ready pods = 4.
        assertThat(hpa.sync(0, new Values(List.of(20_000L)), 2)).isEqualTo(4);
    }

    @Test
    void aMadeUpZeroWouldScaleDownWhereAnErrorDoesNot() {
        HpaSimulator onZero = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6);
        HpaSimulator onError = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6);
        for (long t = 0; t <= 600; t += 15) {
            onZero.sync(t, new Values(List.of(0L)), 6);
            onError.sync(t, new Failure("source rabbit is stale"), 6);
        }
        assertThat(onZero.replicas()).isEqualTo(1);
        assertThat(onError.replicas()).isEqualTo(6);
    }

    @Test
    void theStabilizationWindowIsConfigurableAsBehaviorScaleDownStabilizationWindowSeconds() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6, 30);
        assertThat(hpa.sync(0, new Values(List.of(6000L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(3, new Values(List.of(0L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(30, new Values(List.of(0L)), 6)).isEqualTo(6);
        assertThat(hpa.sync(31, new Values(List.of(0L)), 6)).isEqualTo(1);
    }

    @Test
    void aProposalChangesNothingUntilTheUpdateIsAdmittedButItsRecommendationCounts() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 2000, 1, 4, 4, 10);
        assertThat(hpa.propose(0, new Values(List.of(2000L)), 4, 4)).isEqualTo(1);
        // Denied: the replicas stay, and the next sync asks again.
        assertThat(hpa.replicas()).isEqualTo(4);
        assertThat(hpa.propose(3, new Values(List.of(2000L)), 4, 4)).isEqualTo(1);
        hpa.scaled(3, 4, 1);
        assertThat(hpa.replicas()).isEqualTo(1);
        // The 8 tasks now: 1 -> max(2 × 1, 4) = 4.
        assertThat(hpa.propose(6, new Values(List.of(8000L)), 1, 1)).isEqualTo(4);
    }

    @Test
    void averageValueComparesAgainstTheStatusReplicasThatExist() {
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 2000, 1, 10, 4);
        // 8 tasks, 4 wanted, only 2 pods exist yet: ratio 2, outside the tolerance, ceil(8 / 2) = 4.
        assertThat(hpa.propose(0, new Values(List.of(8000L)), 2, 2)).isEqualTo(4);
        // No pod yet and nothing to do: the minimum (no window, so the 4 above does not hold it).
        HpaSimulator noWindow = new HpaSimulator(TargetType.AVERAGE_VALUE, 2000, 1, 10, 4, 0);
        assertThat(noWindow.propose(0, new Values(List.of(0L)), 0, 0)).isEqualTo(1);
    }

    // ---- Algorithm details: desiredReplicas = ceil[currentReplicas × (currentMetricValue / desiredMetricValue)]

    @Test
    void documentedRatioDoublesAt200mOver100mAndHalvesAt50m() {
        // "if the current metric value is 200m, and the desired value is 100m, the number of replicas
        // will be doubled, since 200.0 / 100.0 == 2.0": a Value target of 100m read as 200m, 3 ready pods.
        HpaSimulator up = new HpaSimulator(TargetType.VALUE, 100, 1, 20, 3);
        assertThat(up.sync(0, new Values(List.of(200L)), 3)).isEqualTo(6);
        // "If the current value is instead 50m, you'll halve the number of replicas, since 50.0 / 100.0
        // == 0.5" (with no scale-down window left to hold it: behavior.scaleDown window 0).
        HpaSimulator down = new HpaSimulator(TargetType.VALUE, 100, 1, 20, 4,
                new HpaBehavior(null, Rules.of(0, null)));
        assertThat(down.sync(0, new Values(List.of(50L)), 4)).isEqualTo(2);
        // The same for an AverageValue target of 100m: 3 pods averaging 200m (600m in all) -> 6.
        HpaSimulator average = new HpaSimulator(TargetType.AVERAGE_VALUE, 100, 1, 20, 3);
        assertThat(average.sync(0, new Values(List.of(600L)), 3)).isEqualTo(6);
    }

    @Test
    void documentedToleranceOfTenPercentSkipsScalingBothWays() {
        // "The control plane skips any scaling action if the ratio is sufficiently close to 1.0
        // (within a globally-configurable tolerance, 0.1 by default)": 1.1 and 0.9 are inside, 1.11 not.
        HpaSimulator hpa = new HpaSimulator(TargetType.VALUE, 1000, 1, 100, 10, new HpaBehavior(null, Rules.of(0, null)));
        assertThat(hpa.sync(0, new Values(List.of(1100L)), 10)).isEqualTo(10);
        assertThat(hpa.sync(15, new Values(List.of(900L)), 10)).isEqualTo(10);
        assertThat(hpa.sync(30, new Values(List.of(1110L)), 10)).isEqualTo(12); // ceil(1.11 × 10)
    }

    @Test
    void valueTargetCountsReadyPodsAndNeedsSomePodAtAll() {
        // 4 pods, 2 of them Ready: ratio 2 × 2 ready = 4 (readyPodCount: Running and Ready).
        HpaSimulator hpa = new HpaSimulator(TargetType.VALUE, 10_000, 1, 10, 4);
        assertThat(hpa.propose(0, new Values(List.of(20_000L)), 4, 4, 2)).isEqualTo(4);
        // Pods but none ready: ceil(2 × 0) = 0, clamped to min (the caveat: starting pods scale down).
        HpaSimulator starting = new HpaSimulator(TargetType.VALUE, 10_000, 1, 10, 4, 0);
        assertThat(starting.propose(0, new Values(List.of(20_000L)), 4, 4, 0)).isEqualTo(1);
        // No pod at all: the error, and no scaling.
        assertThat(starting.propose(15, new Values(List.of(20_000L)), 0, 0, 0)).isEqualTo(4);
        assertThat(starting.lastCondition()).contains("no pods returned by selector");
        // AverageValue ignores readiness: 20 / (5 × 4 status replicas) = 1, kept although none is ready.
        HpaSimulator average = new HpaSimulator(TargetType.AVERAGE_VALUE, 5000, 1, 10, 4, 0);
        assertThat(average.propose(0, new Values(List.of(20_000L)), 4, 4, 0)).isEqualTo(4);
    }

    // ---- Scaling policies

    @Test
    void documentedScaleDownOf80ReplicasByPodsFourOrTenPercentPerMinute() {
        // scaleDown.policies [Pods 4 / 60 s, Percent 10 / 60 s], selectPolicy Max by default. "if there
        // are 80 replicas and the target has to be scaled down to 10 replicas then during the first step
        // 8 replicas will be reduced. In the next iteration when the number of replicas is 72, 10% of the
        // pods is 7.2 but the number is rounded up to 8 [...] When the number of replicas falls below 40
        // the first policy (Pods) is applied and 4 replicas will be reduced at a time."
        // (Window 0 so that only the policies act; each step a new 60 s period.)
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 100, 80,
                new HpaBehavior(null, Rules.of(0, null, Policy.pods(4, 60), Policy.percent(10, 60))));
        Values tenPods = new Values(List.of(10_000L));
        assertThat(hpa.sync(0, tenPods, 80)).isEqualTo(72);
        // Within the same minute: periodStart = 72 + 8 removed = 80, so nothing more goes.
        assertThat(hpa.sync(15, tenPods, 72)).isEqualTo(72);
        assertThat(hpa.sync(60, tenPods, 72)).isEqualTo(64);
        int replicas = 64;
        for (int minute = 2; replicas > 10; minute++) {
            int expected = Math.max(10, replicas - Math.max(4, (int) Math.ceil(replicas / 10.0)));
            if (replicas <= 40) {
                expected = Math.max(10, replicas - 4); // "4 replicas will be reduced at a time"
            }
            replicas = hpa.sync(minute * 60, tenPods, replicas);
            assertThat(replicas).as("minute %d", minute).isEqualTo(expected);
        }
    }

    @Test
    void documentedLimitOfFivePodsPerMinuteWithSelectPolicyMin() {
        // "To ensure that no more than 5 Pods are removed per minute, you can add a second scale-down
        // policy with a fixed size of 5, and set selectPolicy to minimum": Percent 10 and Pods 5 per 60 s.
        Rules down = Rules.of(0, Select.MIN, Policy.percent(10, 60), Policy.pods(5, 60));
        HpaSimulator hundred = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 100, 100, new HpaBehavior(null, down));
        assertThat(hundred.sync(0, new Values(List.of(1000L)), 100)).isEqualTo(95); // 5 < 10 % of 100
        HpaSimulator thirty = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 100, 30, new HpaBehavior(null, down));
        assertThat(thirty.sync(0, new Values(List.of(1000L)), 30)).isEqualTo(27); // floor(30 × 0.9): 3 < 5
    }

    @Test
    void documentedSelectPolicyDisabledNeverScalesThatWay() {
        // "Example: disable scale down": scaleDown.selectPolicy Disabled.
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6,
                new HpaBehavior(null, Rules.of(0, Select.DISABLED)));
        for (int t = 0; t <= 600; t += 15) {
            assertThat(hpa.sync(t, new Values(List.of(0L)), 6)).isEqualTo(6);
        }
        assertThat(hpa.sync(615, new Values(List.of(9000L)), 6)).isEqualTo(9); // scale-up still works
        HpaSimulator noUp = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 2,
                new HpaBehavior(Rules.of(null, Select.DISABLED), null));
        assertThat(noUp.sync(0, new Values(List.of(9000L)), 2)).isEqualTo(2);
    }

    @Test
    void documentedDefaultScaleUpAddsFourPodsOrDoublesEvery15Seconds() {
        // Default behavior: scaleUp "Percent 100 / 15 s, Pods 4 / 15 s, selectPolicy Max", no window:
        // "4 pods or a 100% of the currently running replicas may at most be added every 15 seconds".
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 100, 1, HpaBehavior.defaults());
        Values twenty = new Values(List.of(20_000L));
        assertThat(hpa.sync(0, twenty, 1)).isEqualTo(5); // max(1 + 4, 2 × 1)
        assertThat(hpa.sync(5, twenty, 5)).isEqualTo(5); // same period: periodStart is still 1
        assertThat(hpa.sync(15, twenty, 5)).isEqualTo(10); // max(5 + 4, 2 × 5)
        assertThat(hpa.sync(30, twenty, 10)).isEqualTo(20);
    }

    @Test
    void documentedDefaultScaleDownWaits300SecondsThenRemovesUpTo100Percent() {
        // Default behavior: scaleDown "stabilizationWindowSeconds: 300, Percent 100 / 15 s".
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 100, 10, HpaBehavior.defaults());
        assertThat(hpa.sync(0, new Values(List.of(10_000L)), 10)).isEqualTo(10);
        for (int t = 15; t < 300; t += 15) {
            assertThat(hpa.sync(t, new Values(List.of(1000L)), 10)).as("t=%d", t).isEqualTo(10);
        }
        // At 300 s the 0 s recommendation is no longer after the cutoff (rec.timestamp.After).
        assertThat(hpa.sync(300, new Values(List.of(1000L)), 10)).isEqualTo(1);
    }

    @Test
    void documentedDownscaleWindowOf60Seconds() {
        // "Example: change downscale stabilization window": scaleDown.stabilizationWindowSeconds 60.
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 5,
                new HpaBehavior(null, Rules.of(60, null)));
        assertThat(hpa.sync(0, new Values(List.of(5000L)), 5)).isEqualTo(5);
        assertThat(hpa.sync(30, new Values(List.of(2000L)), 5)).isEqualTo(5);
        assertThat(hpa.sync(59, new Values(List.of(2000L)), 5)).isEqualTo(5); // the 0 s recommendation holds
        // At 60 s it left the window (not after the cutoff): the max of 2 (30 s), 2 (59 s) and 1 (now).
        assertThat(hpa.sync(60, new Values(List.of(1000L)), 5)).isEqualTo(2);
    }

    @Test
    void scaleUpWindowTakesTheLowestRecommendation() {
        // behavior.scaleUp.stabilizationWindowSeconds: the lowest recommendation of the window.
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 2,
                new HpaBehavior(Rules.of(30, null), Rules.of(0, null)));
        assertThat(hpa.sync(0, new Values(List.of(2000L)), 2)).isEqualTo(2);
        assertThat(hpa.sync(10, new Values(List.of(6000L)), 2)).isEqualTo(2); // min(2, 6)
        assertThat(hpa.sync(31, new Values(List.of(6000L)), 2)).isEqualTo(6); // 0 s left the window
    }

    @Test
    void aScaleDownEventWithinThePeriodRaisesTheScaleUpPeriodStart() {
        // periodStart = current - added + removed: after 6 -> 2 with 1 pod per 15 s up, 2 may go to 3 only...
        Rules up = Rules.of(0, null, Policy.pods(1, 15));
        HpaSimulator hpa = new HpaSimulator(TargetType.AVERAGE_VALUE, 1000, 1, 10, 6,
                new HpaBehavior(up, Rules.of(0, null)));
        assertThat(hpa.sync(0, new Values(List.of(2000L)), 6)).isEqualTo(2);
        // ...no: the 4 removed count, periodStart = 2 + 4 = 6, limit 7: 2 -> 6 at once.
        assertThat(hpa.sync(5, new Values(List.of(6000L)), 2)).isEqualTo(6);
        // Outside the period: periodStart = current.
        assertThat(hpa.sync(25, new Values(List.of(9000L)), 6)).isEqualTo(7);
    }
}
