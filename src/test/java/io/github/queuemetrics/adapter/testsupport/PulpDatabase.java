package io.github.queuemetrics.adapter.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throw-away database on the local PostgreSQL (127.0.0.1:5432, trust auth, user postgres) with
 * Pulp's tasking tables as Pulp's migrations define them: the columns the adapter reads with their
 * types, and the indexes Pulp has. Two layouts: {@link Layout#PULP_3_2X} ({@code core_worker},
 * no {@code unblocked_at}, no domains) and {@link Layout#CURRENT} ({@code core_appstatus},
 * {@code unblocked_at}, {@code app_lock_id}, {@code core_domain}). {@link #close()} drops it.
 */
public final class PulpDatabase implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5432;

    /** Which Pulp release's tables to create; EMPTY creates none (a database that is not Pulp's). */
    public enum Layout { PULP_3_2X, CURRENT, EMPTY }

    private static final String TASK_COMMON = """
            pulp_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            pulp_created timestamptz NOT NULL DEFAULT now(),
            pulp_last_updated timestamptz DEFAULT now(),
            state text NOT NULL,
            name text NOT NULL,
            logging_cid text NOT NULL DEFAULT '',
            started_at timestamptz,
            finished_at timestamptz,
            error jsonb,
            args jsonb,
            kwargs jsonb,
            parent_task_id uuid REFERENCES core_task (pulp_id) DEFERRABLE INITIALLY DEFERRED,
            task_group_id uuid,
            reserved_resources_record text[]""";

    private static final String TASK_INDEXES = """
            CREATE INDEX core_task_logging_cid_idx ON core_task (logging_cid);
            CREATE INDEX core_task_pulp_created_idx ON core_task (pulp_created);
            CREATE INDEX core_task_state_idx ON core_task (state);
            CREATE INDEX core_task_state_created_idx ON core_task (state, pulp_created);
            """;

    private static final String OLD = """
            CREATE TABLE core_worker (
                pulp_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                pulp_created timestamptz NOT NULL DEFAULT now(),
                pulp_last_updated timestamptz DEFAULT now(),
                name text NOT NULL UNIQUE,
                last_heartbeat timestamptz NOT NULL DEFAULT now());
            CREATE TABLE core_task (%s,
                worker_id uuid REFERENCES core_worker (pulp_id));
            CREATE INDEX core_task_worker_id_idx ON core_task (worker_id);
            %s""".formatted(TASK_COMMON, TASK_INDEXES);

    private static final String CURRENT = """
            CREATE EXTENSION IF NOT EXISTS hstore;
            CREATE TABLE core_domain (
                pulp_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                pulp_created timestamptz NOT NULL DEFAULT now(),
                pulp_last_updated timestamptz DEFAULT now(),
                name text NOT NULL UNIQUE,
                description text,
                storage_class text NOT NULL DEFAULT 'pulpcore.app.models.storage.FileSystem',
                storage_settings jsonb NOT NULL DEFAULT '{}',
                redirect_to_object_storage boolean NOT NULL DEFAULT true,
                hide_guarded_distributions boolean NOT NULL DEFAULT false);
            INSERT INTO core_domain (name) VALUES ('default');
            CREATE TABLE core_appstatus (
                pulp_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                pulp_created timestamptz NOT NULL DEFAULT now(),
                pulp_last_updated timestamptz DEFAULT now(),
                app_type varchar(10) NOT NULL,
                name text NOT NULL,
                versions hstore NOT NULL DEFAULT '',
                ttl interval NOT NULL,
                last_heartbeat timestamptz NOT NULL DEFAULT now(),
                UNIQUE (app_type, name));
            CREATE TABLE core_task (%s,
                unblocked_at timestamptz,
                immediate boolean NOT NULL DEFAULT false,
                deferred boolean NOT NULL DEFAULT true,
                app_lock_id uuid REFERENCES core_appstatus (pulp_id),
                pulp_domain_id uuid NOT NULL REFERENCES core_domain (pulp_id));
            %s
            CREATE INDEX core_task_unblocked_at_idx ON core_task (unblocked_at);
            CREATE INDEX core_task_app_lock_id_idx ON core_task (app_lock_id);
            CREATE INDEX core_task_pulp_domain_id_idx ON core_task (pulp_domain_id);
            """.formatted(TASK_COMMON, TASK_INDEXES);

    private final String name;
    private final Layout layout;
    private final Connection connection;

    private PulpDatabase(String name, Layout layout) throws SQLException {
        this.name = name;
        this.layout = layout;
        this.connection = DriverManager.getConnection(jdbcUrl(), "postgres", null);
    }

    /** Creates {@code <prefix><random>} with the tables of {@code layout}; the prefix is {@code qma_pulp_}
     * unless {@code -Dqma.pulpDbPrefix} names another (engineers sharing one PostgreSQL keep apart). */
    public static PulpDatabase create(Layout layout) throws SQLException {
        String name = System.getProperty("qma.pulpDbPrefix", "qma_pulp_") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection admin = admin(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        PulpDatabase db = new PulpDatabase(name, layout);
        switch (layout) {
            case PULP_3_2X -> db.execute(OLD);
            case CURRENT -> db.execute(CURRENT);
            case EMPTY -> { }
        }
        return db;
    }

    /** A connection to the {@code postgres} database as the superuser, for roles and databases. */
    public static Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/postgres", "postgres", null);
    }

    public String name() {
        return name;
    }

    public Layout layout() {
        return layout;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + name;
    }

    /** The {@code uri:} form of the configuration, as the superuser. */
    public String uri() {
        return "postgresql://postgres@" + HOST + ":" + PORT + "/" + name;
    }

    public void execute(String sql) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        }
    }

    /** The single number {@code sql} selects. */
    public double number(String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    /** The numbers of the one row {@code sql} selects (SQL NULL reads as NaN). */
    public double[] numbers(String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            double[] values = new double[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = rs.getDouble(i + 1);
                if (rs.wasNull()) {
                    values[i] = Double.NaN;
                }
            }
            return values;
        }
    }

    /** Adds a domain (current layout) and returns its name. */
    public String domain(String domain) throws SQLException {
        execute("INSERT INTO core_domain (name) VALUES ('" + domain + "')");
        return domain;
    }

    /**
     * Adds {@code n} tasks as Pulp's dispatcher and workers leave them: a waiting task that
     * {@code unblocked} has {@code unblocked_at} set (current layout only), a running one a
     * {@code started_at}, a final one a {@code finished_at}.
     */
    public void tasks(int n, String state, String taskName, boolean unblocked, String domain, int secondsAgo)
            throws SQLException {
        boolean current = layout == Layout.CURRENT;
        String started = state.equals("waiting") ? "NULL" : "now()";
        String finished = switch (state) {
            case "completed", "failed", "canceled", "skipped" -> "now()";
            default -> "NULL";
        };
        execute("INSERT INTO core_task (pulp_created, state, name, started_at, finished_at"
                + (current ? ", unblocked_at, pulp_domain_id" : "") + ") "
                + "SELECT now() - interval '" + secondsAgo + " seconds', '" + state + "', '" + taskName + "', "
                + started + ", " + finished
                + (current ? ", " + (unblocked ? "now()" : "NULL")
                        + ", (SELECT pulp_id FROM core_domain WHERE name = '" + domain + "')" : "")
                + " FROM generate_series(1, " + n + ")");
    }

    /**
     * A worker's heartbeat row as Pulp writes it, {@code secondsAgo} old: core_appstatus
     * ({@code app_type} worker, {@code ttl} 30 s, Pulp's WORKER_TTL) or core_worker.
     */
    public void worker(String name, int secondsAgo) throws SQLException {
        execute(layout == Layout.CURRENT
                ? "INSERT INTO core_appstatus (app_type, name, ttl, last_heartbeat) VALUES ('worker', '" + name
                        + "', interval '30 seconds', now() - interval '" + secondsAgo + " seconds')"
                : "INSERT INTO core_worker (name, last_heartbeat) VALUES ('" + name + "', now() - interval '"
                        + secondsAgo + " seconds')");
    }

    /** A task running on {@code worker}, linked as the layout links them (app_lock_id or worker_id). */
    public void runningOn(String worker, String taskName) throws SQLException {
        boolean current = layout == Layout.CURRENT;
        execute("INSERT INTO core_task (state, name, started_at, " + (current
                ? "unblocked_at, pulp_domain_id, app_lock_id) SELECT 'running', '" + taskName + "', now(), now(),"
                        + " (SELECT pulp_id FROM core_domain WHERE name = 'default'), pulp_id FROM core_appstatus"
                        + " WHERE app_type = 'worker' AND name = '" + worker + "'"
                : "worker_id) SELECT 'running', '" + taskName + "', now(), pulp_id FROM core_worker WHERE name = '"
                        + worker + "'"));
    }

    @Override
    public void close() throws SQLException {
        connection.close();
        try (Connection admin = admin(); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
