package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorker;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pulp's workers with their heartbeat judged as Pulp judges it, and the task each one runs.
 *
 * <p>From 3.86 ({@code core_appstatus}, {@code app_type = 'worker'}): alive while
 * {@code last_heartbeat >= now() - ttl}, the running task linked by {@code core_task.app_lock_id}.
 * Before ({@code core_worker}): alive while {@code last_heartbeat > now() - 30 s} (Pulp's default
 * {@code WORKER_TTL}), the task linked by {@code core_task.worker_id}. Only tasks in state running
 * or canceling count: Pulp leaves the link on a finished task.
 */
final class PulpWorkerQuery {

    /** Pulp's default WORKER_TTL; core_worker rows do not carry their timeout. */
    static final int WORKER_TTL_SECONDS = 30;

    private final String sql;

    PulpWorkerQuery(PulpSchema schema, GroupBy groupBy) {
        if (schema.heartbeats() == PulpSchema.Heartbeats.NONE) {
            throw new IllegalArgumentException("no heartbeat table");
        }
        boolean appStatus = schema.heartbeats() == PulpSchema.Heartbeats.APP_STATUS;
        String item = switch (groupBy) {
            case NONE -> "'" + PulpSettings.SINGLE_ITEM + "'";
            case NAME -> "r.name";
            case DOMAIN -> "(SELECT d.name FROM core_domain d WHERE d.pulp_id = r.pulp_domain_id)";
        };
        String link = appStatus ? "app_lock_id" : "worker_id";
        // Running tasks first (the state index finds the few), then joined to every worker row.
        this.sql = "SELECT w.name, "
                + (appStatus ? "w.last_heartbeat >= now() - w.ttl" : "w.last_heartbeat > now() - interval '"
                        + WORKER_TTL_SECONDS + " seconds'")
                + ",\nEXTRACT(EPOCH FROM now() - w.last_heartbeat), "
                + (appStatus ? "EXTRACT(EPOCH FROM w.ttl)" : String.valueOf(WORKER_TTL_SECONDS))
                + ",\nr.pulp_id::text, r.name, CASE WHEN r.pulp_id IS NULL THEN NULL ELSE " + item + " END\n"
                + "FROM " + (appStatus ? "core_appstatus" : "core_worker") + " w LEFT JOIN (SELECT t.pulp_id, t.name, t."
                + link + (groupBy == GroupBy.DOMAIN ? ", t.pulp_domain_id" : "")
                + " FROM core_task t WHERE t.state IN ('running', 'canceling')) r ON r." + link + " = w.pulp_id"
                + (appStatus ? "\nWHERE w.app_type = 'worker'" : "")
                + "\nORDER BY w.name";
    }

    String sql() {
        return sql;
    }

    /** One entry per worker (a worker linked to two running tasks, which Pulp never does, keeps the first). */
    static List<PulpWorker> read(ResultSet rs) throws SQLException {
        Map<String, PulpWorker> workers = new LinkedHashMap<>();
        while (rs.next()) {
            String taskId = rs.getString(5);
            PulpWorker.RunningTask task = taskId == null ? null
                    : new PulpWorker.RunningTask(taskId, rs.getString(6), rs.getString(7));
            workers.putIfAbsent(rs.getString(1), new PulpWorker(rs.getString(1), rs.getBoolean(2), rs.getDouble(3),
                    rs.getDouble(4), task));
        }
        return new ArrayList<>(workers.values());
    }
}
