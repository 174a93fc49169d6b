package io.github.queuemetrics.adapter.source.pulp;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What a Pulp database has, detected when the source connects (and again after a reconnect: an
 * upgrade may have run meanwhile). Catalog lookups only ({@code to_regclass}, {@code pg_attribute}):
 * they work without SELECT on the tables, so a missing grant shows up as "permission denied" on the
 * count query rather than as "not Pulp's schema".
 *
 * @param unblockedAt {@code core_task.unblocked_at} exists (Pulp 3.48+): ready and blocked are told apart
 * @param heartbeats  where workers write heartbeats and which column links a task to its worker
 * @param domains     {@code core_domain} exists (needed by {@code groupBy: domain})
 */
record PulpSchema(boolean unblockedAt, Heartbeats heartbeats, boolean domains) {

    /**
     * {@code core_appstatus} with {@code core_task.app_lock_id} (3.86+; the only link from 3.90), else
     * {@code core_worker} with {@code core_task.worker_id} (3.14-3.89; 3.85 writes core_appstatus
     * heartbeats too but still links tasks through worker_id).
     */
    enum Heartbeats { APP_STATUS, WORKER, NONE }

    private static final String DETECT = """
            SELECT to_regclass('core_task') IS NOT NULL,
                   EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('core_task')
                           AND attname = 'unblocked_at' AND NOT attisdropped),
                   to_regclass('core_appstatus') IS NOT NULL,
                   to_regclass('core_worker') IS NOT NULL,
                   to_regclass('core_domain') IS NOT NULL,
                   current_database(),
                   EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('core_task')
                           AND attname = 'app_lock_id' AND NOT attisdropped),
                   EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('core_task')
                           AND attname = 'worker_id' AND NOT attisdropped)""";

    /** @throws SQLException with a clear message when the database has no {@code core_task} */
    static PulpSchema detect(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(DETECT)) {
            rs.next();
            if (!rs.getBoolean(1)) {
                throw new SQLException("database " + rs.getString(6) + " has no table core_task in the search_path:"
                        + " not a Pulp 3.14+ database (check the database name, or the schema in the search_path)",
                        PulpFailures.NOT_PULP);
            }
            Heartbeats heartbeats = rs.getBoolean(3) && rs.getBoolean(7) ? Heartbeats.APP_STATUS
                    : rs.getBoolean(4) && rs.getBoolean(8) ? Heartbeats.WORKER : Heartbeats.NONE;
            return new PulpSchema(rs.getBoolean(2), heartbeats, rs.getBoolean(5));
        }
    }

    String describe() {
        return "core_task " + (unblockedAt ? "with" : "without") + " unblocked_at, heartbeats in "
                + switch (heartbeats) {
                    case APP_STATUS -> "core_appstatus";
                    case WORKER -> "core_worker";
                    case NONE -> "no known table";
                } + (domains ? ", core_domain" : ", no core_domain");
    }
}
