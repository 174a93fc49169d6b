package io.github.queuemetrics.adapter.source.pulp;

import static io.github.queuemetrics.adapter.source.pulp.PulpSourceIT.config;
import static io.github.queuemetrics.adapter.source.pulp.PulpSourceIT.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase.Layout;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Every way a Pulp poll can go wrong fails the poll with a reason that says what to fix (it
 * becomes the 503 body and /readyz), never a zero; the next poll reconnects by itself.
 */
class PulpFaultsIT {

    /** A hang guard only: each of these polls is bounded by the source's own timeouts. */
    private static final Duration GUARD = Duration.ofSeconds(30);

    private static Throwable failedPoll(PulpSource source) {
        Throwable failure = assertTimeoutPreemptively(GUARD, () -> catchThrowable(source::poll));
        assertThat(failure).as("the poll must fail, not answer").isInstanceOf(IOException.class);
        return failure;
    }

    @Test
    void aDatabaseThatGoesAwayFailsThePollAndTheNextPollReconnects() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             TcpProxy proxy = new TcpProxy(PulpDatabase.HOST, PulpDatabase.PORT);
             PulpSource source = new PulpSource(config("uri: postgresql://postgres@127.0.0.1:" + proxy.port()
                     + "/" + db.name()))) {
            db.tasks(2, "waiting", "t", true, "default", 5);
            assertThat(poll(source).get("pulp").value(QueueMetric.READY)).hasValue(2);

            proxy.block();
            assertThat(failedPoll(source)).hasMessageContaining("cannot reach the Pulp database jdbc:postgresql://127.0.0.1:"
                    + proxy.port() + "/" + db.name() + " as postgres");
            assertThat(failedPoll(source)).hasMessageContaining("cannot reach the Pulp database");

            proxy.unblock();
            assertThat(poll(source).get("pulp").value(QueueMetric.READY)).hasValue(2);
        }
    }

    @Test
    void aDatabaseWithoutPulpsTablesIsNamedAsSuch() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.EMPTY);
             PulpSource source = new PulpSource(config("uri: " + db.uri()))) {
            assertThat(failedPoll(source)).hasMessage("source pulp: database " + db.name()
                    + " has no table core_task in the search_path: not a Pulp 3.14+ database"
                    + " (check the database name, or the schema in the search_path)");
        }
    }

    @Test
    void aDatabaseThatDoesNotExistIsNamedAsSuch() throws Exception {
        String missing = "qma_pulp_missing_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (PulpSource source = new PulpSource(config("uri: postgresql://postgres@127.0.0.1:5432/" + missing))) {
            assertThat(failedPoll(source)).hasMessageContaining("source pulp: Pulp database jdbc:postgresql://127.0.0.1:5432/"
                    + missing + " as postgres: the database does not exist");
        }
    }

    @Test
    void groupByDomainOnAPulpWithoutDomainsSaysSo() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.PULP_3_2X);
             PulpSource source = new PulpSource(config("uri: " + db.uri(), "groupBy: domain"))) {
            assertThat(failedPoll(source)).hasMessageContaining("groupBy: domain needs core_domain");
        }
    }

    @Test
    void aRoleWithoutSelectGetsPermissionDenied() throws Exception {
        String role = "qma_pulp_noread_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT)) {
            db.execute("CREATE ROLE " + role + " LOGIN");
            try (PulpSource source = new PulpSource(config("jdbcUrl: " + db.jdbcUrl(), "user: " + role))) {
                assertThat(failedPoll(source)).hasMessageContaining(": permission denied; grant SELECT on core_task"
                        + " to the adapter's role").hasMessageContaining("as " + role);

                db.execute("GRANT SELECT ON core_task TO " + role);
                assertThat(poll(source).get("pulp").value(QueueMetric.OUTSTANDING)).hasValue(0);
            } finally {
                db.execute("DROP OWNED BY " + role);
                db.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    void aLockedTableEndsThePollAtStatementTimeout() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             PulpSource source = new PulpSource(config("uri: " + db.uri(), "statementTimeout: 1s"));
             Connection migration = java.sql.DriverManager.getConnection(db.jdbcUrl(), "postgres", null)) {
            db.tasks(1, "waiting", "t", true, "default", 5);
            assertThat(poll(source).get("pulp").value(QueueMetric.READY)).hasValue(1);

            migration.setAutoCommit(false);
            try (Statement st = migration.createStatement()) {
                st.execute("LOCK TABLE core_task IN ACCESS EXCLUSIVE MODE"); // as a Pulp migration would
            }
            assertThat(failedPoll(source)).hasMessageContaining("the query ran longer than statementTimeout (1s);"
                    + " the database is slow or a table is locked");
            migration.rollback();

            assertThat(poll(source).get("pulp").value(QueueMetric.READY)).hasValue(1);
        }
    }

    @Test
    void theSessionIsReadOnly() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             Connection c = PulpConnection.open(config("uri: " + db.uri()).pulp(), "qma-test");
             Statement st = c.createStatement()) {
            SQLException refused = (SQLException) catchThrowable(() -> st.execute(
                    "INSERT INTO core_task (state, name, pulp_domain_id) SELECT 'waiting', 'x', pulp_id FROM core_domain"));
            assertThat((Object) refused).as("the insert must be refused").isNotNull();
            assertThat(refused.getSQLState()).as("read_only_sql_transaction").isEqualTo("25006");
            assertThat(db.number("SELECT count(*) FROM core_task")).isZero();
        }
    }

    @Test
    void aReconnectDetectsTheSchemaAgain() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.PULP_3_2X);
             PulpSource source = new PulpSource(config("uri: " + db.uri()))) {
            db.tasks(2, "waiting", "t", false, "default", 5);
            QueueSample before = poll(source).get("pulp");
            assertThat(before.value(QueueMetric.BLOCKED)).isEmpty();

            // an upgrade to 3.48+ adds unblocked_at; Pulp's restart drops our connection
            db.execute("ALTER TABLE core_task ADD COLUMN unblocked_at timestamptz");
            db.execute("UPDATE core_task SET unblocked_at = now() WHERE pulp_id = (SELECT min(pulp_id::text)::uuid FROM core_task)");
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name()
                    + "' AND application_name = 'qma-pulp'");
            failedPoll(source);

            QueueSample after = poll(source).get("pulp");
            assertThat(after.value(QueueMetric.READY)).hasValue(1);
            assertThat(after.value(QueueMetric.BLOCKED)).hasValue(1);
        }
    }

    @Test
    void workersPulpWithoutSelectOnTheWorkerTableGetsPermissionDeniedNamingIt() throws Exception {
        String role = "qma_pulp_noworkers_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT)) {
            db.execute("CREATE ROLE " + role + " LOGIN");
            db.execute("GRANT SELECT ON core_task TO " + role);
            try (PulpSource source = new PulpSource(config("jdbcUrl: " + db.jdbcUrl(), "user: " + role,
                    "workers: pulp"))) {
                assertThat(failedPoll(source)).hasMessageContaining(": permission denied; grant SELECT on core_task"
                        + " and the worker table (core_appstatus or core_worker) to the adapter's role");

                db.execute("GRANT SELECT ON core_appstatus TO " + role);
                assertThat(poll(source).get("pulp").value(QueueMetric.WORKERS_TOTAL)).isEmpty(); // set by WorkerAwareSource
                assertThat(source.workerTracker().orElseThrow().refresh(java.util.List.of("pulp"),
                        java.time.Instant.now()).get("pulp").total()).isZero();
            } finally {
                db.execute("DROP OWNED BY " + role);
                db.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    void workersPulpOnATaskTableWithoutHeartbeatsSaysWhatIsMissing() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.EMPTY);
             PulpSource source = new PulpSource(config("uri: " + db.uri(), "workers: pulp"))) {
            db.execute("CREATE TABLE core_task (pulp_id uuid PRIMARY KEY, pulp_created timestamptz NOT NULL,"
                    + " state text NOT NULL, name text NOT NULL)");
            assertThat(failedPoll(source)).hasMessageContaining("workers: pulp needs core_appstatus (with"
                    + " core_task.app_lock_id) or core_worker (with core_task.worker_id)");
        }
    }

    /** Tasks created while the database was unreachable are arrivals of the first poll after it. */
    @Test
    void aFailedPollLosesNoArrivals() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             TcpProxy proxy = new TcpProxy(PulpDatabase.HOST, PulpDatabase.PORT);
             PulpSource source = new PulpSource(config("uri: postgresql://postgres@127.0.0.1:" + proxy.port()
                     + "/" + db.name()))) {
            long start = System.nanoTime();
            poll(source);
            proxy.block();
            db.tasks(7, "waiting", "t", true, "default", 0);
            failedPoll(source);
            proxy.unblock();
            QueueSample after = poll(source).get("pulp");
            double elapsed = (System.nanoTime() - start) / 1e9;
            assertThat(after.value(QueueMetric.ARRIVAL_RATE).orElseThrow() * elapsed).as("7 arrivals")
                    .isGreaterThanOrEqualTo(7);
            assertThat(after.value(QueueMetric.COMPLETION_RATE)).hasValue(0);
        }
    }
}
