package io.github.queuemetrics.adapter.source.rq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.queuemetrics.adapter.source.rq.RqQueueFlow.RegistryCounts;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RqQueueFlowTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void ratesAreAbsentUntilTwoPollsAreKnown() {
        RqQueueFlow flow = new RqQueueFlow(Duration.ofSeconds(60));
        flow.update(T0, null, new RegistryCounts(100, 7), 3);
        assertThat(flow.completionRate()).isEmpty();
        assertThat(flow.arrivalRate()).isEmpty();
    }

    @Test
    void completionsAreTheGrowthBeyondTheOldHorizonAndArrivalsAddTheBacklogChange() {
        RqQueueFlow flow = new RqQueueFlow(Duration.ofSeconds(60));
        flow.update(T0, null, new RegistryCounts(100, 7), 3);
        // 8 finished and 2 failed in 5 s; outstanding went from 3 to 13: 20 arrived
        flow.update(T0.plusSeconds(5), new RegistryCounts(108, 9), new RegistryCounts(106, 9), 13);
        assertThat(flow.completionRate()).hasValueCloseTo(2.0, within(1e-9));
        assertThat(flow.arrivalRate()).hasValueCloseTo(4.0, within(1e-9));
    }

    @Test
    void registryEntriesRemovedByHandNeverMakeNegativeRates() {
        RqQueueFlow flow = new RqQueueFlow(Duration.ofSeconds(60));
        flow.update(T0, null, new RegistryCounts(100, 50), 10);
        // failed jobs requeued by hand (failed registry shrank), backlog drained
        flow.update(T0.plusSeconds(10), new RegistryCounts(100, 20), new RegistryCounts(100, 20), 0);
        assertThat(flow.completionRate()).hasValueCloseTo(0.0, within(1e-9));
        assertThat(flow.arrivalRate()).hasValueCloseTo(0.0, within(1e-9));
    }

    @Test
    void aJobBetweenTheWorkersPopAndTheStartedRegistryIsNotCountedAsANewArrival() {
        RqQueueFlow flow = new RqQueueFlow(Duration.ofSeconds(60));
        flow.update(T0, null, new RegistryCounts(0, 0), 6);
        // the worker popped a job; the work horse has not registered it yet: 5 visible
        flow.update(T0.plusSeconds(1), new RegistryCounts(0, 0), new RegistryCounts(0, 0), 5);
        // now it is in the started registry: 6 again, and nothing new arrived
        flow.update(T0.plusSeconds(2), new RegistryCounts(0, 0), new RegistryCounts(0, 0), 6);
        assertThat(flow.arrivalRate()).hasValueCloseTo(0.0, within(1e-9));
        // a real arrival afterwards still counts
        flow.update(T0.plusSeconds(3), new RegistryCounts(0, 0), new RegistryCounts(0, 0), 7);
        assertThat(flow.arrivalRate()).hasValueCloseTo(1.0 / 3, within(1e-9));
    }

    @Test
    void aLostHorizonRestartsTheWindows() {
        RqQueueFlow flow = new RqQueueFlow(Duration.ofSeconds(60));
        flow.update(T0, null, new RegistryCounts(0, 0), 0);
        flow.update(T0.plusSeconds(5), new RegistryCounts(10, 0), new RegistryCounts(10, 0), 0);
        assertThat(flow.completionRate()).isPresent();
        flow.update(T0.plusSeconds(120), null, new RegistryCounts(10, 0), 0);
        assertThat(flow.completionRate()).isEmpty();
        flow.update(T0.plusSeconds(125), new RegistryCounts(15, 0), new RegistryCounts(15, 0), 0);
        assertThat(flow.completionRate()).hasValueCloseTo(1.0, within(1e-9));
    }
}
