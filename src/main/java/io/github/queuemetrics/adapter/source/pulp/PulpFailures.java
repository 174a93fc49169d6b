package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.Durations;
import io.github.queuemetrics.adapter.config.PulpSettings;
import java.sql.SQLException;

/**
 * Turns a failed connect or query into the one-line reason that {@code /readyz} and the 503 body
 * show. The driver's own message follows it (SourcePoller appends the cause).
 */
final class PulpFailures {

    /** Our SQLSTATE for "connected, but this is not a Pulp database". */
    static final String NOT_PULP = "QMA01";

    private PulpFailures() {
    }

    static String reason(SQLException e, PulpSettings settings, String groupByTables) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = settings.redactedJdbcUrl() + (settings.user() == null ? "" : " as " + settings.user());
        if (state.equals(NOT_PULP)) {
            return e.getMessage();
        }
        if (state.equals("57014")) {
            return "Pulp database " + where + ": the query ran longer than statementTimeout ("
                    + Durations.format(settings.statementTimeout()) + "); the database is slow or a table is locked"
                    + " (a migration or another session holding core_task)";
        }
        if (state.equals("42501")) {
            return "Pulp database " + where + ": permission denied; grant SELECT on " + groupByTables
                    + " to the adapter's role";
        }
        if (state.equals("28P01") || state.equals("28000")) {
            return "Pulp database " + where + ": authentication failed";
        }
        if (state.equals("3D000")) {
            return "Pulp database " + where + ": the database does not exist";
        }
        if (state.startsWith("08")) {
            return "cannot reach the Pulp database " + where;
        }
        return "Pulp database " + where + ": query failed (SQLSTATE " + state + ")";
    }
}
