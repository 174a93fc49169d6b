package io.github.queuemetrics.adapter.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UtilizationWindowTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void ratioIsBusySlotsOverAllSlotsOfTheSamplesInTheWindow() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        w.add(at(0), 1, 2);
        w.add(at(5), 2, 2);
        w.add(at(10), 0, 4);
        // (1 + 2 + 0) / (2 + 2 + 4)
        assertThat(w.ratio(at(10)).getAsDouble()).isCloseTo(3.0 / 8.0, within(1e-12));
    }

    @Test
    void samplesOlderThanTheWindowNoLongerCount() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        w.add(at(0), 2, 2);
        w.add(at(30), 0, 2);
        w.add(at(61), 0, 2);
        // the sample at 0 is exactly 61 s old at 61: out; (0 + 0) / (2 + 2)
        assertThat(w.ratio(at(61)).getAsDouble()).isZero();
        assertThat(w.size()).isEqualTo(2);
        // at 60 the first one would still be inside only if strictly younger than 60 s: (now-60, now]
        UtilizationWindow edge = new UtilizationWindow(Duration.ofSeconds(60));
        edge.add(at(0), 2, 2);
        assertThat(edge.ratio(at(59)).getAsDouble()).isEqualTo(1.0);
        assertThat(edge.ratio(at(60))).isEmpty();
    }

    @Test
    void readingLaterWithoutNewSamplesAgesThemOut() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        w.add(at(0), 1, 1);
        w.add(at(50), 0, 1);
        assertThat(w.ratio(at(50)).getAsDouble()).isEqualTo(0.5);
        assertThat(w.ratio(at(100)).getAsDouble()).isEqualTo(0.0);
        assertThat(w.ratio(at(200))).isEmpty();
    }

    @Test
    void noSlotsMeansNoRatio() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        assertThat(w.ratio(at(0))).isEmpty();
        w.add(at(0), 0, 0);
        assertThat(w.ratio(at(0))).isEmpty();
        w.add(at(1), 1, 1);
        assertThat(w.ratio(at(1)).getAsDouble()).isEqualTo(1.0);
    }

    @Test
    void fractionalSlotsAndSteadyStateAverage() {
        // a Celery-like worker set: 3 of 8 slots busy every poll -> 0.375
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        for (int s = 0; s <= 120; s += 5) {
            w.add(at(s), 3, 8);
        }
        assertThat(w.ratio(at(120)).getAsDouble()).isEqualTo(0.375);
        assertThat(w.size()).isEqualTo(12);
    }

    @Test
    void aClockSteppedBackDoesNotBreakTheOrder() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        w.add(at(10), 1, 1);
        w.add(at(5), 0, 1);
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.ratio(at(10)).getAsDouble()).isEqualTo(0.5);
    }

    @Test
    void rejectsImpossibleSamples() {
        UtilizationWindow w = new UtilizationWindow(Duration.ofSeconds(60));
        assertThatThrownBy(() -> w.add(at(0), 3, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.add(at(0), -1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.add(at(0), Double.NaN, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UtilizationWindow(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
