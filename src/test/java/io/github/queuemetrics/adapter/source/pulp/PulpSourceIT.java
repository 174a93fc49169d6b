package io.github.queuemetrics.adapter.source.pulp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase.Layout;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Counts of a Pulp source against the same counts taken in SQL, on both schema generations. */
class PulpSourceIT {

    static SourceConfig config(String connection, String... extra) throws Exception {
        StringBuilder yaml = new StringBuilder("sources:\n  - name: pulp\n    type: pulp\n    " + connection + "\n");
        for (String line : extra) {
            yaml.append("    ").append(line).append('\n');
        }
        return ConfigLoader.parse(yaml.toString(), Map.of()).sources().get(0);
    }

    static Map<String, QueueSample> poll(PulpSource source) throws Exception {
        SourceSnapshot snapshot = source.poll();
        return snapshot.queues().stream().collect(Collectors.toMap(QueueSample::queue, Function.identity()));
    }

    static double value(QueueSample sample, QueueMetric metric) {
        return sample.value(metric).orElseThrow(() -> new AssertionError(metric + " missing in " + sample));
    }

    /** Waiting (some blocked), running, canceling and every final state, in the default domain. */
    private static void fill(PulpDatabase db) throws Exception {
        db.tasks(3, "waiting", "pulp_rpm.app.tasks.synchronize", true, "default", 120);
        db.tasks(2, "waiting", "pulp_rpm.app.tasks.synchronize", false, "default", 30);
        db.tasks(2, "running", "pulpcore.app.tasks.base.general_update", false, "default", 300);
        db.tasks(1, "canceling", "pulpcore.app.tasks.base.general_update", false, "default", 300);
        for (String done : new String[] {"completed", "failed", "canceled", "skipped"}) {
            db.tasks(5, done, "pulp_rpm.app.tasks.synchronize", false, "default", 3600);
        }
    }

    @Test
    void currentSchemaCountsEqualSqlCounts() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri()))) {
            fill(db);
            QueueSample pulp = poll(source).get("pulp");

            assertThat(pulp.labels()).containsEntry("source", "pulp").containsEntry("queue", "pulp");
            assertThat(value(pulp, QueueMetric.READY)).isEqualTo(3)
                    .isEqualTo(db.number("SELECT count(*) FROM core_task WHERE state = 'waiting' AND unblocked_at IS NOT NULL"));
            assertThat(value(pulp, QueueMetric.BLOCKED)).isEqualTo(2)
                    .isEqualTo(db.number("SELECT count(*) FROM core_task WHERE state = 'waiting' AND unblocked_at IS NULL"));
            assertThat(value(pulp, QueueMetric.RUNNING)).isEqualTo(3)
                    .isEqualTo(db.number("SELECT count(*) FROM core_task WHERE state IN ('running', 'canceling')"));
            assertThat(value(pulp, QueueMetric.OUTSTANDING)).isEqualTo(8)
                    .isEqualTo(db.number("SELECT count(*) FROM core_task WHERE state IN ('waiting', 'running', 'canceling')"));
            assertThat(value(pulp, QueueMetric.OLDEST_AGE_SECONDS)).isCloseTo(120, within(5.0));
            assertThat(pulp.values()).doesNotContainKeys(QueueMetric.UNACKED, QueueMetric.ARRIVAL_RATE);
        }
    }

    @Test
    void oldSchemaHasNoBlockedCountAndAllWaitingTasksAreReady() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.PULP_3_2X);
             PulpSource source = new PulpSource(config("jdbcUrl: " + db.jdbcUrl(), "user: postgres"))) {
            fill(db);
            QueueSample pulp = poll(source).get("pulp");

            assertThat(value(pulp, QueueMetric.READY)).isEqualTo(5)
                    .isEqualTo(db.number("SELECT count(*) FROM core_task WHERE state = 'waiting'"));
            assertThat(pulp.value(QueueMetric.BLOCKED)).as("unknown before Pulp 3.48, never 0").isEmpty();
            assertThat(value(pulp, QueueMetric.RUNNING)).isEqualTo(3);
            assertThat(value(pulp, QueueMetric.OUTSTANDING)).isEqualTo(8);
            assertThat(value(pulp, QueueMetric.OLDEST_AGE_SECONDS)).isCloseTo(120, within(5.0));
        }
    }

    @Test
    void anEmptyTaskTableIsZeroNotMissing() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri()))) {
            QueueSample pulp = poll(source).get("pulp");
            assertThat(pulp.values()).containsEntry(QueueMetric.READY, 0.0).containsEntry(QueueMetric.BLOCKED, 0.0)
                    .containsEntry(QueueMetric.RUNNING, 0.0).containsEntry(QueueMetric.OUTSTANDING, 0.0)
                    .containsEntry(QueueMetric.OLDEST_AGE_SECONDS, 0.0);
        }
    }

    @Test
    void schemaDetectionTellsTheGenerationsApart() throws Exception {
        try (PulpDatabase old = PulpDatabase.create(Layout.PULP_3_2X);
             PulpDatabase current = PulpDatabase.create(Layout.CURRENT);
             var oldConnection = PulpConnection.open(config("uri: " + old.uri()).pulp(), "qma-test");
             var currentConnection = PulpConnection.open(config("uri: " + current.uri()).pulp(), "qma-test")) {
            assertThat(PulpSchema.detect(oldConnection))
                    .isEqualTo(new PulpSchema(false, PulpSchema.Heartbeats.WORKER, false));
            assertThat(PulpSchema.detect(currentConnection))
                    .isEqualTo(new PulpSchema(true, PulpSchema.Heartbeats.APP_STATUS, true));
        }
    }

    @Test
    void groupByDomainHasOneItemPerDomainIncludingIdleOnes() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri(), "groupBy: domain"))) {
            fill(db);
            db.domain("team-a");
            db.domain("idle");
            db.tasks(4, "waiting", "pulp_file.app.tasks.synchronize", true, "team-a", 10);
            db.tasks(1, "running", "pulp_file.app.tasks.synchronize", false, "team-a", 10);
            Map<String, QueueSample> items = poll(source);

            assertThat(items).containsOnlyKeys("default", "team-a", "idle");
            assertThat(value(items.get("default"), QueueMetric.OUTSTANDING)).isEqualTo(8);
            assertThat(value(items.get("team-a"), QueueMetric.READY)).isEqualTo(4);
            assertThat(value(items.get("team-a"), QueueMetric.OUTSTANDING)).isEqualTo(5).isEqualTo(db.number(
                    "SELECT count(*) FROM core_task t JOIN core_domain d ON d.pulp_id = t.pulp_domain_id"
                            + " WHERE d.name = 'team-a' AND t.state IN ('waiting', 'running', 'canceling')"));
            assertThat(items.get("idle").values()).containsEntry(QueueMetric.OUTSTANDING, 0.0)
                    .containsEntry(QueueMetric.BLOCKED, 0.0).containsEntry(QueueMetric.OLDEST_AGE_SECONDS, 0.0);
        }
    }

    @Test
    void groupByNameKeepsANameAtZeroAfterItsTasksFinish() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri(), "groupBy: name"))) {
            fill(db);
            Map<String, QueueSample> items = poll(source);
            assertThat(items).containsOnlyKeys("pulp_rpm.app.tasks.synchronize", "pulpcore.app.tasks.base.general_update");
            assertThat(value(items.get("pulp_rpm.app.tasks.synchronize"), QueueMetric.READY)).isEqualTo(3);
            assertThat(value(items.get("pulp_rpm.app.tasks.synchronize"), QueueMetric.BLOCKED)).isEqualTo(2);
            assertThat(value(items.get("pulpcore.app.tasks.base.general_update"), QueueMetric.RUNNING)).isEqualTo(3);

            db.execute("UPDATE core_task SET state = 'completed', finished_at = now()"
                    + " WHERE name = 'pulpcore.app.tasks.base.general_update'");
            items = poll(source);
            assertThat(items.get("pulpcore.app.tasks.base.general_update").values())
                    .containsEntry(QueueMetric.OUTSTANDING, 0.0).containsEntry(QueueMetric.RUNNING, 0.0);
        }
    }

    /**
     * Between two polls 5 tasks are created and stay waiting, 1 is created and finished, and 3
     * finish (2 created before the first poll): 6 arrivals, 4 completions. The rates are those
     * counts over the time between the polls' queries, which lies between the gap separating the
     * two calls and the span covering both.
     */
    @Test
    void ratesCountTasksCreatedAndFinishedBetweenPolls() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri()))) {
            db.tasks(3, "waiting", "pulp_rpm.app.tasks.synchronize", true, "default", 120);
            db.tasks(4, "completed", "pulp_rpm.app.tasks.synchronize", false, "default", 600);
            long start1 = System.nanoTime();
            QueueSample first = poll(source).get("pulp");
            long end1 = System.nanoTime();
            assertThat(first.values()).as("no rate before two polls, never 0")
                    .doesNotContainKeys(QueueMetric.ARRIVAL_RATE, QueueMetric.COMPLETION_RATE);

            Thread.sleep(300);
            db.execute("UPDATE core_task SET state = 'completed', finished_at = now() WHERE pulp_id IN"
                    + " (SELECT pulp_id FROM core_task WHERE state = 'waiting' LIMIT 2)");
            db.tasks(5, "waiting", "pulp_file.app.tasks.synchronize", true, "default", 0);
            db.tasks(1, "failed", "pulp_file.app.tasks.synchronize", false, "default", 0);
            db.execute("UPDATE core_task SET state = 'canceled', finished_at = now() WHERE pulp_id IN"
                    + " (SELECT pulp_id FROM core_task WHERE name = 'pulp_file.app.tasks.synchronize'"
                    + " AND state = 'waiting' LIMIT 1)");
            Thread.sleep(300);
            long start2 = System.nanoTime();
            QueueSample second = poll(source).get("pulp");
            long end2 = System.nanoTime();

            double shortest = (start2 - end1) / 1e9;
            double longest = (end2 - start1) / 1e9;
            assertThat(value(second, QueueMetric.ARRIVAL_RATE)).isBetween(6 / longest, 6 / shortest);
            assertThat(value(second, QueueMetric.COMPLETION_RATE)).isBetween(4 / longest, 4 / shortest);
            assertThat(value(second, QueueMetric.OUTSTANDING)).isEqualTo(5);
        }
    }

    @Test
    void workersPulpReadsHeartbeatsAndRunningTasksInTheSamePoll() throws Exception {
        for (Layout layout : new Layout[] {Layout.CURRENT, Layout.PULP_3_2X}) {
            try (PulpDatabase db = PulpDatabase.create(layout);
                 PulpSource source = new PulpSource(config("uri: " + db.uri(), "workers: pulp"))) {
                db.worker("11@pulp-worker-a", 2);
                db.worker("12@pulp-worker-b", 3);
                db.worker("13@pulp-worker-gone", 45);
                db.tasks(2, "waiting", "pulp_rpm.app.tasks.synchronize", true, "default", 10);
                db.runningOn("11@pulp-worker-a", "pulp_rpm.app.tasks.synchronize");
                db.runningOn("13@pulp-worker-gone", "pulp_rpm.app.tasks.synchronize");
                poll(source);
                var tracker = source.workerTracker().orElseThrow();
                var now = java.time.Instant.now();
                var view = tracker.refresh(java.util.List.of("pulp"), now).get("pulp");
                assertThat(view.total()).as(layout + ": a and b alive, the gone one is past 30 s").isEqualTo(2);
                assertThat(view.busy()).isEqualTo(1);
                assertThat(tracker.probe("11@pulp-worker-a", now).reason()).contains("alive").contains("running task");
                assertThat(tracker.probe("pulp-worker-b", now).ready()).as("by pod name").isTrue();
                assertThat(tracker.probe("pulp-worker-b", now).reason()).contains("idle");
                var gone = tracker.probe("pulp-worker-gone", now);
                assertThat(gone.ready()).isFalse();
                assertThat(gone.reason()).contains("gone").contains("timeout 30 s");
                assertThat(tracker.probe("pulp-worker-c", now).httpStatus()).isEqualTo(503);
            }
        }
    }
}
