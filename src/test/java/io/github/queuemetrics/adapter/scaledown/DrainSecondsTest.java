package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.PodDrain.Draining;
import io.github.queuemetrics.adapter.scaledown.PodLookup.Owner;
import io.github.queuemetrics.adapter.scaledown.PodLookup.PodFacts;
import io.github.queuemetrics.adapter.testsupport.MutableClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** adapter_drain_seconds: one observation per drain, from its mark's start to its end, in Prometheus' format. */
class DrainSecondsTest {

    static final Instant T0 = Instant.parse("2026-12-01T22:00:00Z");
    static final Workload WK = new Workload(WorkloadKind.STATEFUL_SET, "workers", "wk", "rabbit", "celery@{pod}");
    static final Duration TIMEOUT = Duration.ofMinutes(10);

    final FakeCluster cluster = new FakeCluster("wk", 3, 0);
    final FakeWorkers workers = new FakeWorkers().worker("celery@wk-0", "q").worker("celery@wk-1", "q")
            .worker("celery@wk-2", "q");
    final MutableClock clock = new MutableClock(T0);
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final ScaleDownMetrics metrics = new ScaleDownMetrics(registry);
    final DrainMarks marks = new DrainMarks(Duration.ofSeconds(45));
    final StatefulSetReviewer reviewer = new StatefulSetReviewer(cluster, TIMEOUT, marks, Runnable::run, metrics,
            clock, TestChecks.eachReview(Runnable::run, clock));

    Decision review(int from, int to, boolean dryRun) {
        return reviewer.review(new ScaleRequest("uid", WorkloadKind.STATEFUL_SET, "workers", "wk", Optional.of(from),
                to, dryRun), WK, workers);
    }

    String scrape() {
        return registry.scrape();
    }

    @Test
    void aDrainAllowedOnceIdleIsObservedOnceWithItsLengthFromTheMark() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        assertThat(review(3, 2, false).allowed()).isFalse();
        clock.advance(Duration.ofSeconds(40));
        assertThat(review(3, 2, false).allowed()).isFalse();
        assertThat(scrape()).doesNotContain("adapter_drain_seconds_count");

        workers.finishes("celery@wk-2");
        clock.advance(Duration.ofSeconds(20));
        assertThat(review(3, 2, false).allowed()).isTrue();
        assertThat(scrape()).contains("adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1",
                "adapter_drain_seconds_sum{namespace=\"workers\",workload=\"wk\"} 60.0",
                "adapter_drain_seconds_bucket{namespace=\"workers\",workload=\"wk\",le=\"30.0\"} 0",
                "adapter_drain_seconds_bucket{namespace=\"workers\",workload=\"wk\",le=\"60.0\"} 1");
        assertThat(cluster.ended).containsExactly("wk-2 " + T0);

        // the API server retries the same update (or another replica answers it): not observed again
        clock.advance(Duration.ofSeconds(5));
        assertThat(review(3, 2, false).allowed()).isTrue();
        assertThat(scrape()).contains("adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1");
    }

    @Test
    void aTimedOutDrainIsObservedAtItsTimeoutAndADryRunObservesNothing() {
        workers.runs("celery@wk-2", "tasks.sleep", "t-1");
        review(3, 2, false);
        clock.advance(TIMEOUT);
        assertThat(review(3, 2, true).allowed()).isTrue();
        assertThat(scrape()).doesNotContain("adapter_drain_seconds_count");
        assertThat(review(3, 2, false).allowed()).isTrue();
        assertThat(scrape()).contains("adapter_drain_seconds_sum{namespace=\"workers\",workload=\"wk\"} 600.0",
                "adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1");
    }

    @Test
    void anIdleVictimDrainsForZeroSecondsAndItsPreStopWaitDoesNotObserveItAgain() {
        assertThat(review(3, 2, false).allowed()).isTrue();
        assertThat(scrape()).contains("adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1",
                "adapter_drain_seconds_sum{namespace=\"workers\",workload=\"wk\"} 0.0");

        PodDrain preStop = new PodDrain((ns, name) -> Optional.ofNullable(cluster.pods.get(name)).map(state ->
                new PodFacts(state, Map.of("app", "wk"), List.of(new Owner("StatefulSet", "wk")))), cluster,
                new ScaleDownConfig(TIMEOUT, Duration.ofSeconds(45), List.of(WK)), Map.of("rabbit", workers), marks,
                metrics, clock);
        clock.advance(Duration.ofSeconds(3));
        Draining draining = (Draining) preStop.begin("workers", "wk-2", Optional.empty());
        assertThat(preStop.check(draining)).isInstanceOf(PodDrain.Done.class);
        assertThat(scrape()).contains("adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1");
    }

    @Test
    void aPreStopDrainOfItsOwnIsObservedWhenItsWaitEnds() {
        workers.runs("celery@wk-1", "tasks.sleep", "t1");
        PodDrain preStop = new PodDrain((ns, name) -> Optional.ofNullable(cluster.pods.get(name)).map(state ->
                new PodFacts(state, Map.of("app", "wk"), List.of(new Owner("StatefulSet", "wk")))), cluster,
                new ScaleDownConfig(TIMEOUT, Duration.ofSeconds(45), List.of(WK)), Map.of("rabbit", workers), marks,
                metrics, clock);
        Draining draining = (Draining) preStop.begin("workers", "wk-1", Optional.empty());
        assertThat(preStop.check(draining)).isInstanceOf(PodDrain.Waiting.class);
        workers.finishes("celery@wk-1");
        clock.advance(Duration.ofSeconds(7));
        assertThat(preStop.check(draining)).isInstanceOf(PodDrain.Done.class);
        assertThat(scrape()).contains("adapter_drain_seconds_sum{namespace=\"workers\",workload=\"wk\"} 7.0",
                "adapter_drain_seconds_count{namespace=\"workers\",workload=\"wk\"} 1");
    }
}
