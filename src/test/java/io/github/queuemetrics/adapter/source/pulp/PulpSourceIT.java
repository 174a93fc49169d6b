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
}
