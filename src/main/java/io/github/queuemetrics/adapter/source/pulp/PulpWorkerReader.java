package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorker;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Reads Pulp's workers live on a connection of its own (the scale-down hook's: it must not wait for
 * the next poll). Read-only and bounded like the source's connection; the schema is detected on
 * every connect. Any failure closes the connection; the next read reconnects.
 */
public final class PulpWorkerReader implements AutoCloseable {

    private final PulpSettings settings;
    private final String applicationName;
    private Connection connection;
    private PulpWorkerQuery query;

    public PulpWorkerReader(PulpSettings settings, String applicationName) {
        this.settings = settings;
        this.applicationName = applicationName;
    }

    /** Every worker row with its running task; throws with the reason /readyz would give. */
    public synchronized List<PulpWorker> read() throws SQLException {
        try {
            if (connection == null) {
                Connection c = PulpConnection.open(settings, applicationName);
                try {
                    PulpSchema schema = PulpSchema.detect(c);
                    if (schema.heartbeats() == PulpSchema.Heartbeats.NONE) {
                        throw new SQLException("no Pulp worker table (core_appstatus or core_worker)",
                                PulpFailures.NOT_PULP);
                    }
                    query = new PulpWorkerQuery(schema, PulpSettings.GroupBy.NONE);
                } catch (SQLException | RuntimeException e) {
                    c.close();
                    throw e;
                }
                connection = c;
            }
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(query.sql())) {
                return PulpWorkerQuery.read(rs);
            }
        } catch (SQLException e) {
            close();
            throw new SQLException(PulpFailures.reason(e, settings, "core_task and core_appstatus or core_worker"),
                    e.getSQLState(), e);
        }
    }

    @Override
    public synchronized void close() {
        Connection c = connection;
        connection = null;
        query = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }
}
