package io.github.queuemetrics.adapter.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Failure;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.TargetType;
import io.github.queuemetrics.adapter.testsupport.HpaSimulator.Values;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulation against the documented behaviour of the HPA controller. */
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
        hpa.scaledTo(1);
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
}
