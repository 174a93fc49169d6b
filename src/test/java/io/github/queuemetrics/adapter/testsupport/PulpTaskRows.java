package io.github.queuemetrics.adapter.testsupport;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The incomplete tasks in {@code pulp_created} order and their resources, as Pulp's workers read them. */
final class PulpTaskRows {

    static final String INCOMPLETE = "state IN ('waiting', 'running', 'canceling')";

    private PulpTaskRows() {
    }

    record Row(String id, String state, boolean unblocked, List<String> resources) {
    }

    static List<Row> incomplete(Connection connection, boolean current) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pulp_id::text, state, " + (current ? "unblocked_at IS NOT NULL" : "false")
                        + ", reserved_resources_record FROM core_task WHERE " + INCOMPLETE + " ORDER BY pulp_created")) {
            while (rs.next()) {
                Array a = rs.getArray(4);
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                        a == null ? List.of() : List.of((String[]) a.getArray())));
            }
        }
        return rows;
    }

    /** Exclusive and shared ({@code shared:} prefix) resources held by earlier tasks. */
    static final class Resources {
        final Set<String> exclusive = new HashSet<>();
        final Set<String> shared = new HashSet<>();

        boolean free(List<String> wanted) {
            for (String r : wanted) {
                boolean isShared = r.startsWith("shared:");
                String res = isShared ? r.substring(7) : r;
                if (exclusive.contains(res) || (!isShared && shared.contains(res))) {
                    return false;
                }
            }
            return true;
        }

        void take(List<String> held) {
            for (String r : held) {
                if (r.startsWith("shared:")) {
                    shared.add(r.substring(7));
                } else {
                    exclusive.add(r);
                }
            }
        }
    }
}
