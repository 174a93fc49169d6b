package io.github.queuemetrics.adapter.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How broker counts and worker reports are merged, per broker type. */
class WorkerAwareSourceTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** A broker that reports ready 3, unacked 2, consumers 5 (and running 4 if asked) for every queue. */
    private static QueueSource broker(boolean withRunning, String... queues) {
        return new QueueSource() {
            @Override
            public String name() {
                return "src";
            }

            @Override
            public SourceSnapshot poll() {
                List<QueueSample> samples = new ArrayList<>();
                for (String q : queues) {
                    QueueSample.Builder b = QueueSample.builder("src", q).value(QueueMetric.READY, 3)
                            .value(QueueMetric.UNACKED, 2).value(QueueMetric.OUTSTANDING, withRunning ? 9 : 5)
                            .value(QueueMetric.CONSUMERS, 5);
                    if (withRunning) {
                        b.value(QueueMetric.RUNNING, 4);
                    }
                    samples.add(b.build());
                }
                return new SourceSnapshot("src", NOW, samples);
            }

            @Override
            public void close() {
            }
        };
    }

    private static final class FixedTracker implements WorkerTracker {
        final Map<String, QueueWorkers> answer;
        List<String> askedFor;
        RuntimeException failure;

        FixedTracker(Map<String, QueueWorkers> answer) {
            this.answer = answer;
        }

        @Override
        public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
            askedFor = List.copyOf(queues);
            if (failure != null) {
                throw failure;
            }
            return answer;
        }

        @Override
        public ProbeResult probe(String worker, Instant now) {
            return ProbeResult.notReady("n/a");
        }

        @Override
        public List<WorkerSummary> workers(Instant now) {
            return List.of();
        }

        @Override
        public boolean knows(String worker) {
            return false;
        }

        @Override
        public void close() {
        }
    }

    private static Map<QueueMetric, Double> values(SourceSnapshot s, String queue) {
        return s.queues().stream().filter(q -> q.queue().equals(queue)).findFirst().orElseThrow().values();
    }

    @Test
    void celeryOnRedisAddsEarlyAckedRunningTasksAndUsesLiveWorkersAsConsumers() throws Exception {
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(4, 3, -1, 2, 1, 0.25)));
        SourceSnapshot s = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.CELERY_REDIS, CLOCK).poll();

        assertThat(tracker.askedFor).containsExactly("q");
        assertThat(values(s, "q")).containsEntry(QueueMetric.RUNNING, 4.0)
                // ready 3 + unacked 2 + the 3 running tasks acked at start; the 4th (acks_late) is in unacked
                .containsEntry(QueueMetric.OUTSTANDING, 8.0)
                .containsEntry(QueueMetric.CONSUMERS, 2.0)
                .containsEntry(QueueMetric.WORKERS_TOTAL, 2.0)
                .containsEntry(QueueMetric.WORKERS_BUSY, 1.0)
                .containsEntry(QueueMetric.WORKERS_UTILIZATION, 0.25)
                .containsEntry(QueueMetric.READY, 3.0).containsEntry(QueueMetric.UNACKED, 2.0);
    }

    @Test
    void rabbitMqKeepsTheBrokersConsumerCount() throws Exception {
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(1, 1, -1, 2, 1, 0.5)));
        SourceSnapshot s = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.RABBITMQ, CLOCK).poll();

        assertThat(values(s, "q")).containsEntry(QueueMetric.CONSUMERS, 5.0)
                .containsEntry(QueueMetric.OUTSTANDING, 6.0).containsEntry(QueueMetric.RUNNING, 1.0)
                .containsEntry(QueueMetric.WORKERS_TOTAL, 2.0);
    }

    @Test
    void rabbitMqWithPrefetchTrackingTakesUnackedFromTheWorkersOfThisPoll() throws Exception {
        // 4 running (3 acked at start, 1 acks_late), 2 prefetched; the broker's lagging unacked (2) is
        // replaced by what the workers hold now: 2 prefetched + 1 running unacked = 3.
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(4, 3, 2, 2, 1, 0.5)));
        SourceSnapshot s = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.RABBITMQ, CLOCK).poll();

        assertThat(values(s, "q")).containsEntry(QueueMetric.READY, 3.0)
                .containsEntry(QueueMetric.UNACKED, 3.0)
                .containsEntry(QueueMetric.RUNNING, 4.0)
                // ready 3 + prefetched 2 + running 4, each task once
                .containsEntry(QueueMetric.OUTSTANDING, 9.0)
                .containsEntry(QueueMetric.CONSUMERS, 5.0);
    }

    @Test
    void rabbitMqReplacesTheBrokersUnackedByALowerWorkersFigureOnlyWhenEveryConsumerAnswered() throws Exception {
        // No worker answered (one without heartbeats, or a consumer that is no Celery worker): the
        // workers' figure is 0 prefetched, but the broker holds 2 unacked; they are still outstanding.
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(0, 0, 0, 0, 0, 0.0, -1, false)));
        SourceSnapshot s = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.RABBITMQ, CLOCK).poll();

        assertThat(values(s, "q")).containsEntry(QueueMetric.UNACKED, 2.0)
                .containsEntry(QueueMetric.OUTSTANDING, 5.0)
                .containsEntry(QueueMetric.RUNNING, 0.0);

        // every consumer answered: the workers' figure of this poll is fresher than the broker's
        tracker = new FixedTracker(Map.of("q", new QueueWorkers(0, 0, 0, 5, 0, 0.0, -1, true)));
        s = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.RABBITMQ, CLOCK).poll();
        assertThat(values(s, "q")).containsEntry(QueueMetric.UNACKED, 0.0).containsEntry(QueueMetric.OUTSTANDING, 3.0);
    }

    @Test
    void rqLeavesRunningAndOutstandingToTheStartedRegistry() throws Exception {
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(-1, 0, -1, 3, 2, 0.5)));
        SourceSnapshot s = new WorkerAwareSource(broker(true, "q"), tracker, SourceType.RQ, CLOCK).poll();

        assertThat(values(s, "q")).containsEntry(QueueMetric.RUNNING, 4.0)
                .containsEntry(QueueMetric.OUTSTANDING, 9.0)
                .containsEntry(QueueMetric.WORKERS_TOTAL, 3.0).containsEntry(QueueMetric.WORKERS_BUSY, 2.0)
                .containsEntry(QueueMetric.CONSUMERS, 3.0);
    }

    @Test
    void aQueueTheTrackerDidNotReportKeepsTheBrokerCounts() throws Exception {
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(0, 0, -1, 0, 0, 0)));
        SourceSnapshot s = new WorkerAwareSource(broker(false, "q", "other"), tracker, SourceType.CELERY_REDIS,
                CLOCK).poll();

        assertThat(values(s, "other")).doesNotContainKeys(QueueMetric.RUNNING, QueueMetric.WORKERS_TOTAL)
                .containsEntry(QueueMetric.OUTSTANDING, 5.0).containsEntry(QueueMetric.CONSUMERS, 5.0);
        // a queue with no workers at all is measured as 0 workers, not "unknown"
        assertThat(values(s, "q")).containsEntry(QueueMetric.WORKERS_TOTAL, 0.0)
                .containsEntry(QueueMetric.RUNNING, 0.0).containsEntry(QueueMetric.CONSUMERS, 0.0);
    }

    @Test
    void aTrackerFailureFailsThePoll() {
        FixedTracker tracker = new FixedTracker(Map.of());
        tracker.failure = new IllegalStateException("worker w did not answer");
        WorkerAwareSource source = new WorkerAwareSource(broker(false, "q"), tracker, SourceType.RABBITMQ, CLOCK);

        assertThatThrownBy(source::poll).hasMessage("worker w did not answer");
    }

    // ------------------------------------------------------------------ rates from the tasks workers started

    /** A Celery-on-Redis broker whose ready count (and optional completion rate) the test sets. */
    private static final class SettableBroker implements QueueSource {
        double ready;
        Double brokerCompletionRate;
        Instant now = NOW;

        @Override
        public String name() {
            return "src";
        }

        @Override
        public SourceSnapshot poll() {
            QueueSample.Builder b = QueueSample.builder("src", "q").value(QueueMetric.READY, ready)
                    .value(QueueMetric.UNACKED, 0).value(QueueMetric.OUTSTANDING, ready);
            if (brokerCompletionRate != null) {
                b.value(QueueMetric.COMPLETION_RATE, brokerCompletionRate);
            }
            return new SourceSnapshot("src", now, List.of(b.build()));
        }

        @Override
        public void close() {
        }
    }

    private static final class SteppingClock extends Clock {
        Instant now = NOW;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** One poll {@code seconds} after the previous one, with the broker's ready count and the tracker's figures. */
    private static Map<QueueMetric, Double> pollAfter(WorkerAwareSource source, SteppingClock clock,
                                                      SettableBroker broker, FixedTracker tracker, int seconds,
                                                      double ready, long running, double started) throws Exception {
        clock.now = clock.now.plusSeconds(seconds);
        broker.ready = ready;
        tracker.answer.put("q", new QueueWorkers(running, running, -1, 1, running > 0 ? 1 : 0, 0.5, started));
        return values(source.poll(), "q");
    }

    @Test
    void ratesFromStartedTasksAreAbsentUntilTwoPollsThenStartsAndStartsPlusGrowthOfTheWaitingOnes()
            throws Exception {
        SettableBroker broker = new SettableBroker();
        FixedTracker tracker = new FixedTracker(new java.util.HashMap<>());
        SteppingClock clock = new SteppingClock();
        WorkerAwareSource source = new WorkerAwareSource(broker, tracker, SourceType.CELERY_REDIS, clock);

        Map<QueueMetric, Double> first = pollAfter(source, clock, broker, tracker, 0, 5, 0, 100);
        assertThat(first).doesNotContainKeys(QueueMetric.COMPLETION_RATE, QueueMetric.ARRIVAL_RATE);

        // 10 s later: 4 started (1 still running, acked); ready 5 -> 5: 4 arrived
        Map<QueueMetric, Double> second = pollAfter(source, clock, broker, tracker, 10, 5, 1, 104);
        assertThat(second).containsEntry(QueueMetric.COMPLETION_RATE, 0.4).containsEntry(QueueMetric.ARRIVAL_RATE, 0.4);

        // 2 tasks leave ready for the workers, but their heartbeat count comes a poll later: the
        // negative step (-2) is carried and paid back, not floored (which would count 2 arrivals)
        Map<QueueMetric, Double> third = pollAfter(source, clock, broker, tracker, 5, 3, 2, 104);
        assertThat(third.get(QueueMetric.ARRIVAL_RATE)).isEqualTo(4.0 / 15);
        Map<QueueMetric, Double> fourth = pollAfter(source, clock, broker, tracker, 5, 3, 1, 106);
        assertThat(fourth).containsEntry(QueueMetric.COMPLETION_RATE, 6.0 / 20)
                .containsEntry(QueueMetric.ARRIVAL_RATE, 4.0 / 20);

        // nothing happens for a while: rates fall, never below 0
        Map<QueueMetric, Double> idle = pollAfter(source, clock, broker, tracker, 20, 3, 0, 106);
        assertThat(idle.get(QueueMetric.COMPLETION_RATE)).isEqualTo(6.0 / 40);
        assertThat(idle.get(QueueMetric.ARRIVAL_RATE)).isEqualTo(4.0 / 40);
    }

    @Test
    void aRateTheBrokerMeasuresIsKeptAndOnlyTheMissingOneIsFilled() throws Exception {
        SettableBroker broker = new SettableBroker();
        broker.brokerCompletionRate = 9.0;
        FixedTracker tracker = new FixedTracker(new java.util.HashMap<>());
        SteppingClock clock = new SteppingClock();
        WorkerAwareSource source = new WorkerAwareSource(broker, tracker, SourceType.RABBITMQ, clock);

        pollAfter(source, clock, broker, tracker, 0, 0, 0, 0);
        Map<QueueMetric, Double> second = pollAfter(source, clock, broker, tracker, 10, 0, 0, 5);

        assertThat(second).containsEntry(QueueMetric.COMPLETION_RATE, 9.0).containsEntry(QueueMetric.ARRIVAL_RATE, 0.5);
    }

    @Test
    void aTrackerWithoutStartCountsAddsNoRates() throws Exception {
        FixedTracker tracker = new FixedTracker(Map.of("q", new QueueWorkers(-1, 0, -1, 3, 2, 0.5)));
        WorkerAwareSource source = new WorkerAwareSource(broker(true, "q"), tracker, SourceType.RQ, CLOCK);
        source.poll();

        assertThat(values(source.poll(), "q")).doesNotContainKeys(QueueMetric.COMPLETION_RATE, QueueMetric.ARRIVAL_RATE);
    }
}
