package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The statements a poll runs, sent together in one round trip: the database's {@code now()},
 * every count of every item, and (with {@code workers: pulp}) the workers.
 *
 * <p>The counts read only incomplete tasks ({@code state IN (...)} uses Pulp's index on
 * {@code state}) and the tasks created since the previous poll ({@code state IN (all seven)
 * AND pulp_created > ?} uses the index on {@code (state, pulp_created)}), so finished tasks, which
 * are most of the table, cost nothing. The age uses {@code now()} of the database, so the
 * adapter's clock skew does not matter.
 */
final class PulpCountQuery {

    private static final String INCOMPLETE = "t.state IN ('waiting', 'running', 'canceling')";
    private static final String WAITING = "t.state = 'waiting'";
    /** Every state Pulp has (3.14 to 3.116), so the (state, pulp_created) index applies. */
    private static final String ARRIVED = "t.state IN ('waiting', 'running', 'canceling', 'completed', 'failed',"
            + " 'canceled', 'skipped') AND t.pulp_created > CAST(? AS timestamptz)";

    /** What one poll read. {@code at} is the database's now(), the same for every statement. */
    record Result(Instant at, Map<String, PulpCounts> items, List<PulpWorker> workers) {
    }

    private final String sql;
    private final boolean blockedKnown;
    private final boolean readsWorkers;

    /** @param workers the worker statement to send along, or null */
    PulpCountQuery(PulpSchema schema, GroupBy groupBy, PulpWorkerQuery workers) {
        this.blockedKnown = schema.unblockedAt();
        this.readsWorkers = workers != null;
        String ready = blockedKnown ? WAITING + " AND t.unblocked_at IS NOT NULL" : WAITING;
        String columns = "count(t.pulp_id) FILTER (WHERE " + ready + "),\n"
                + (blockedKnown ? "count(t.pulp_id) FILTER (WHERE " + WAITING + " AND t.unblocked_at IS NULL)" : "NULL")
                + ",\ncount(t.pulp_id) FILTER (WHERE " + WAITING + "),\n"
                + "count(t.pulp_id) FILTER (WHERE t.state IN ('running', 'canceling')),\n"
                + "COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - min(t.pulp_created) FILTER (WHERE " + WAITING
                + "))), 0),\ncount(t.pulp_id) FILTER (WHERE " + ARRIVED + ")";
        String rows = "(" + INCOMPLETE + " OR " + ARRIVED + ")";
        String counts = switch (groupBy) {
            case NONE -> "SELECT '" + PulpSettings.SINGLE_ITEM + "',\n" + columns + "\nFROM core_task t WHERE " + rows;
            case NAME -> "SELECT t.name,\n" + columns + "\nFROM core_task t WHERE " + rows + " GROUP BY t.name";
            // Every domain is an item, with or without tasks, so an idle domain reads 0 instead of vanishing.
            case DOMAIN -> "SELECT d.name,\n" + columns + "\nFROM core_domain d LEFT JOIN core_task t"
                    + " ON t.pulp_domain_id = d.pulp_id AND " + rows + " GROUP BY d.name";
        };
        this.sql = "SELECT now();\n" + counts + (readsWorkers ? ";\n" + workers.sql() : "");
    }

    String sql() {
        return sql;
    }

    boolean blockedKnown() {
        return blockedKnown;
    }

    /**
     * Runs the statements in one round trip.
     *
     * @param since the database time of the previous poll: tasks created after it are this poll's
     *              arrivals (null on the first poll: no arrivals counted)
     */
    Result run(Connection connection, Instant since) throws SQLException {
        Map<String, PulpCounts> items = new LinkedHashMap<>();
        List<PulpWorker> workers = List.of();
        Instant at;
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            for (int i = 1; i <= 2; i++) {
                if (since == null) {
                    st.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    st.setObject(i, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
                }
            }
            st.execute();
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                at = rs.getObject(1, OffsetDateTime.class).toInstant();
            }
            st.getMoreResults();
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    long blockedCount = rs.getLong(3);
                    Long blocked = rs.wasNull() ? null : blockedCount;
                    items.put(rs.getString(1), new PulpCounts(rs.getLong(2), blocked, rs.getLong(4), rs.getLong(5),
                            rs.getDouble(6), rs.getLong(7)));
                }
            }
            if (readsWorkers) {
                st.getMoreResults();
                try (ResultSet rs = st.getResultSet()) {
                    workers = PulpWorkerQuery.read(rs);
                }
            }
        }
        return new Result(at, items, workers);
    }
}
