package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one query a poll runs: every count of every item in one round trip. It reads only
 * incomplete tasks ({@code state IN (...)} uses Pulp's index on {@code state}), so finished tasks,
 * which are most of the table, cost nothing. The age uses {@code now()} of the database, so the
 * adapter's clock skew does not matter.
 */
final class PulpCountQuery {

    private static final String INCOMPLETE = "t.state IN ('waiting', 'running', 'canceling')";
    private static final String WAITING = "t.state = 'waiting'";

    private final String sql;
    private final boolean blockedKnown;

    PulpCountQuery(PulpSchema schema, GroupBy groupBy) {
        this.blockedKnown = schema.unblockedAt();
        String ready = blockedKnown ? WAITING + " AND t.unblocked_at IS NOT NULL" : WAITING;
        String columns = "count(t.pulp_id) FILTER (WHERE " + ready + "),\n"
                + (blockedKnown ? "count(t.pulp_id) FILTER (WHERE " + WAITING + " AND t.unblocked_at IS NULL)" : "NULL")
                + ",\ncount(t.pulp_id) FILTER (WHERE " + WAITING + "),\n"
                + "count(t.pulp_id) FILTER (WHERE t.state IN ('running', 'canceling')),\n"
                + "COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - min(t.pulp_created) FILTER (WHERE " + WAITING
                + "))), 0)";
        this.sql = switch (groupBy) {
            case NONE -> "SELECT '" + PulpSettings.SINGLE_ITEM + "',\n" + columns + "\nFROM core_task t WHERE " + INCOMPLETE;
            case NAME -> "SELECT t.name,\n" + columns + "\nFROM core_task t WHERE " + INCOMPLETE + " GROUP BY t.name";
            // Every domain is an item, with or without tasks, so an idle domain reads 0 instead of vanishing.
            case DOMAIN -> "SELECT d.name,\n" + columns + "\nFROM core_domain d LEFT JOIN core_task t"
                    + " ON t.pulp_domain_id = d.pulp_id AND " + INCOMPLETE + " GROUP BY d.name";
        };
    }

    String sql() {
        return sql;
    }

    boolean blockedKnown() {
        return blockedKnown;
    }

    /** Item name to counts, in the order the database returned them. */
    Map<String, PulpCounts> run(Connection connection) throws SQLException {
        Map<String, PulpCounts> items = new LinkedHashMap<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long blockedCount = rs.getLong(3);
                Long blocked = rs.wasNull() ? null : blockedCount;
                items.put(rs.getString(1), new PulpCounts(rs.getLong(2), blocked, rs.getLong(4), rs.getLong(5),
                        rs.getDouble(6)));
            }
        }
        return items;
    }
}
