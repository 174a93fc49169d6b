package io.github.queuemetrics.adapter.store;

import io.github.queuemetrics.adapter.testsupport.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.api.selector.LabelSelectors;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Staleness is counted on a monotonic clock, from when a good poll completed. */
class MetricStoreStalenessTest {

    /** A wall clock the test moves, as NTP or a resumed VM moves the real one. */
    private static final Instant T_WALL = Instant.parse("2026-03-01T12:00:00Z");

    private static final Duration MAX_STALENESS = Duration.ofSeconds(30);


    static SourceConfig config() {
        return new SourceConfig("rq", SourceType.RQ, null, null, null, URI.create("redis://localhost:6379/1"),
                List.of("default"), null, WorkerKind.NONE, List.of(), Duration.ofSeconds(5), MAX_STALENESS,
                null, null, null);
    }

    static SourceSnapshot snapshot(Instant takenAt) {
        return new SourceSnapshot("rq", takenAt, List.of(
                QueueSample.builder("rq", "default").value(QueueMetric.OUTSTANDING, 4).build()));
    }

    @Test
    void aWallClockStepForwardDoesNotMakeAFreshSourceStale() throws Exception {
        MutableClock clock = new MutableClock(T_WALL);
        MetricStore store = new MetricStore(List.of(config()), clock);
        store.recordSuccess(snapshot(clock.instant()));

        clock.advance(Duration.ofHours(1)); // NTP correction, VM resume: no time has really passed

        assertThat(store.isFresh("rq")).isTrue();
        assertThat(store.query("default", QueueMetric.OUTSTANDING, LabelSelectors.everything()))
                .singleElement().satisfies(item -> assertThat(item.value()).isEqualTo(4));
        assertThat(store.age("rq")).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aPollThatTookLongerThanMaxStalenessIsNotStaleOnArrival() throws Exception {
        MutableClock clock = new MutableClock(T_WALL);
        MetricStore store = new MetricStore(List.of(config()), clock);
        Instant pollStarted = clock.instant();
        clock.advance(Duration.ofSeconds(40)); // a slow broker: the poll took 40 s of the 30 s allowed
        store.recordSuccess(snapshot(pollStarted));

        assertThat(store.isFresh("rq")).isTrue();
        // the timestamp served stays honest: when the poll began, not when it arrived
        assertThat(store.query("default", QueueMetric.OUTSTANDING, LabelSelectors.everything()))
                .singleElement().satisfies(item -> assertThat(item.timestamp()).isEqualTo(pollStarted));
    }

    @Test
    void aWallClockStepBackwardDoesNotKeepAStaleSourceFresh() {
        MutableClock clock = new MutableClock(T_WALL);
        AtomicLong ticker = new AtomicLong();
        MetricStore store = new MetricStore(List.of(config()), clock, ticker::get);
        store.recordSuccess(snapshot(clock.instant()));
        store.recordFailure("rq", "Connection refused");

        ticker.addAndGet(Duration.ofSeconds(31).toNanos());
        clock.advance(Duration.ofHours(-1)); // wall-clock age: negative

        assertThat(store.isFresh("rq")).isFalse();
        assertThatThrownBy(() -> store.query("default", QueueMetric.OUTSTANDING, LabelSelectors.everything()))
                .isInstanceOf(MetricQueryException.class)
                .hasMessageContaining("source rq is stale: last successful poll 31s ago (maxStaleness 30s): "
                        + "Connection refused");
        assertThat(store.age("rq")).isEqualTo(Duration.ofSeconds(31));
    }

    @Test
    void freshUpToMaxStalenessAfterThePollCompleted() {
        AtomicLong ticker = new AtomicLong(1_000);
        MetricStore store = new MetricStore(List.of(config()), new MutableClock(T_WALL), ticker::get);
        store.recordSuccess(snapshot(Instant.EPOCH));
        ticker.addAndGet(MAX_STALENESS.toNanos());
        assertThat(store.isFresh("rq")).isTrue();
        ticker.incrementAndGet();
        assertThat(store.isFresh("rq")).isFalse();
    }

    @Test
    void aSourceThatNeverPolledIsUnavailable() {
        MetricStore store = new MetricStore(List.of(config()), new MutableClock(T_WALL));
        assertThatThrownBy(() -> store.query("default", QueueMetric.OUTSTANDING, LabelSelectors.everything()))
                .isInstanceOf(MetricQueryException.class).hasMessageContaining("has not been polled successfully yet");
    }
}
