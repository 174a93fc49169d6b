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
}
