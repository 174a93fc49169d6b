package io.github.queuemetrics.adapter.source.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SlidingWindowRateTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void noRateBeforeTwoPoints() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        assertThat(rate.perSecond()).isEmpty();
        rate.record(T0, 5);
        assertThat(rate.perSecond()).isEmpty();
        rate.record(T0.plusSeconds(5), 15);
        assertThat(rate.perSecond()).hasValueCloseTo(2.0, within(1e-9));
    }

    @Test
    void zeroWhenTheCounterStandsStill() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        rate.record(T0, 7);
        rate.record(T0.plusSeconds(10), 7);
        assertThat(rate.perSecond()).hasValueCloseTo(0.0, within(1e-9));
    }

    @Test
    void oldPointsSlideOutButTheWindowStaysSpanned() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        // 10 events/s for the first minute, then 1 event/s
        double total = 0;
        for (int t = 0; t <= 60; t += 5) {
            rate.record(T0.plusSeconds(t), total);
            total += 50;
        }
        total -= 50;
        for (int t = 65; t <= 120; t += 5) {
            total += 5;
            rate.record(T0.plusSeconds(t), total);
        }
        // at t=120 the window is [60, 120]: only the slow minute
        assertThat(rate.perSecond()).hasValueCloseTo(1.0, within(1e-9));
        assertThat(rate.size()).isEqualTo(13);
    }

    @Test
    void aPointAtTheWindowStartIsKeptAsAnchor() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(10));
        rate.record(T0, 0);
        rate.record(T0.plusSeconds(10), 10);
        rate.record(T0.plusSeconds(20), 30);
        // window start = 10: the point at 10 anchors it; the rate covers 10..20
        assertThat(rate.perSecond()).hasValueCloseTo(2.0, within(1e-9));
        assertThat(rate.size()).isEqualTo(2);
    }

    @Test
    void clearForgetsEverything() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        rate.record(T0, 0);
        rate.record(T0.plusSeconds(1), 1);
        rate.clear();
        assertThat(rate.perSecond()).isEmpty();
        rate.record(T0.plusSeconds(2), 1);
        assertThat(rate.perSecond()).isEmpty();
    }

    @Test
    void aPointFromThePastIsIgnoredAndACounterGoingDownIsRefused() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        rate.record(T0.plusSeconds(10), 10);
        rate.record(T0, 0);
        assertThat(rate.size()).isEqualTo(1);
        assertThatThrownBy(() -> rate.record(T0.plusSeconds(20), 9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoPointsAtTheSameInstantGiveNoRate() {
        SlidingWindowRate rate = new SlidingWindowRate(Duration.ofSeconds(60));
        rate.record(T0, 0);
        rate.record(T0, 3);
        assertThat(rate.perSecond()).isEmpty();
    }
}
