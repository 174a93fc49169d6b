package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.pulp.PulpBenchAccess;
import io.github.queuemetrics.adapter.source.pulp.PulpSource;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

/**
 * One poll of a Pulp source (groupBy none, workers: pulp) on a current-schema database holding
 * {@code finished} final tasks (spread over 30 days) and {@code waiting} waiting ones (half blocked),
 * 20 running on 20 live workers, with the indexes Pulp has. Per round, in the same run:
 * <ol>
 * <li><b>poll</b>: {@link PulpSource#poll()}, the whole round trip (three statements);</li>
 * <li><b>name</b>: the same with {@code groupBy: name};</li>
 * <li><b>finished_at</b>: what counting completions by {@code finished_at} over the last minute
 *     would cost instead (no index: every finished task is read).</li>
 * </ol>
 * Then prints EXPLAIN (ANALYZE, BUFFERS) of each statement of one poll.
 *
 * <p>usage: PulpPollBench [finished=100000] [waiting=10000] [rounds=30] [warmup=5]; the database
 * ({@code qma_pulp_*}, or {@code -Dqma.pulpDbPrefix}) is dropped at the end.
 */
public final class PulpPollBench {

    public static void main(String[] args) throws Exception {
        int finished = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int waiting = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        System.out.println("# " + BenchStats.machine());
        try (PulpDatabase db = PulpDatabase.create(PulpDatabase.Layout.CURRENT)) {
            fill(db, finished, waiting);
            System.out.println("# filled: " + (long) db.number("SELECT count(*) FROM core_task") + " tasks, "
                    + (long) db.number("SELECT pg_total_relation_size('core_task')") / (1024 * 1024) + " MiB with indexes");
            try (PulpSource none = new PulpSource(config(db, "none"));
                 PulpSource byName = new PulpSource(config(db, "name"));
                 Connection direct = DriverManager.getConnection(db.jdbcUrl(), "postgres", null)) {
                double[] poll = new double[rounds];
                double[] name = new double[rounds];
                double[] naive = new double[rounds];
                SourceSnapshot last = null;
                for (int r = -warmup; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    last = none.poll();
                    long t1 = System.nanoTime();
                    byName.poll();
                    long t2 = System.nanoTime();
                    try (Statement st = direct.createStatement(); ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM core_task WHERE finished_at > now() - interval '1 minute'")) {
                        rs.next();
                    }
                    long t3 = System.nanoTime();
                    if (r >= 0) {
                        poll[r] = (t1 - t0) / 1e6;
                        name[r] = (t2 - t1) / 1e6;
                        naive[r] = (t3 - t2) / 1e6;
                    }
                }
                Map<QueueMetric, Double> v = last.queues().get(0).values();
                System.out.println("# last poll: ready " + v.get(QueueMetric.READY) + ", blocked " + v.get(QueueMetric.BLOCKED)
                        + ", running " + v.get(QueueMetric.RUNNING) + ", outstanding " + v.get(QueueMetric.OUTSTANDING));
                System.out.printf("pulp-poll: %d finished + %d waiting tasks, %d rounds: poll (none, workers) median %.1f ms"
                                + " p90 %.1f ms; groupBy name median %.1f ms; counting finished_at instead median %.1f ms"
                                + " (ratio poll/finished_at %.2f); %s%n", finished, waiting, rounds,
                        BenchStats.median(poll), BenchStats.percentile(poll, 90), BenchStats.median(name),
                        BenchStats.median(naive), BenchStats.median(poll) / BenchStats.median(naive), BenchStats.machine());
                System.out.println("# poll ms " + BenchStats.fmt(poll));
                explain(direct, false);
                // Pulp's index list differs across releases: without an index on pulp_created alone, the
                // arrivals must come from (state, pulp_created), which the seven-state IN makes usable.
                db.execute("DROP INDEX core_task_pulp_created_idx");
                double[] without = new double[rounds];
                for (int r = -warmup; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    none.poll();
                    if (r >= 0) {
                        without[r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                System.out.printf("pulp-poll without core_task_pulp_created_idx: median %.1f ms p90 %.1f ms; %s%n",
                        BenchStats.median(without), BenchStats.percentile(without, 90), BenchStats.machine());
                explain(direct, true);
            }
        }
    }

    private static SourceConfig config(PulpDatabase db, String groupBy) throws Exception {
        return ConfigLoader.parse("sources:\n  - name: pulp\n    type: pulp\n    uri: " + db.uri()
                + "\n    groupBy: " + groupBy + "\n    workers: pulp\n", Map.of()).sources().get(0);
    }

    private static void fill(PulpDatabase db, int finished, int waiting) throws Exception {
        db.execute("INSERT INTO core_appstatus (app_type, name, ttl) SELECT 'worker', g || '@pulp-worker-' || g,"
                + " interval '30 seconds' FROM generate_series(1, 20) g");
        db.execute("INSERT INTO core_appstatus (app_type, name, ttl, last_heartbeat) SELECT 'worker', g ||"
                + " '@gone-' || g, interval '30 seconds', now() - interval '1 hour' FROM generate_series(1, 5) g");
        String domain = "(SELECT pulp_id FROM core_domain WHERE name = 'default')";
        String names = "(ARRAY['pulp_rpm.app.tasks.synchronize', 'pulp_file.app.tasks.synchronize',"
                + " 'pulpcore.app.tasks.base.general_update', 'pulp_container.app.tasks.synchronize'])[1 + g % 4]";
        db.execute("INSERT INTO core_task (pulp_created, state, name, started_at, finished_at, unblocked_at,"
                + " pulp_domain_id) SELECT now() - (g * interval '25 seconds'),"
                + " (ARRAY['completed', 'completed', 'completed', 'completed', 'completed', 'completed',"
                + " 'completed', 'completed', 'failed', 'canceled'])[1 + g % 10], " + names + ","
                + " now() - (g * interval '25 seconds') + interval '1 second', now() - (g * interval '25 seconds')"
                + " + interval '20 seconds', now() - (g * interval '25 seconds'), " + domain
                + " FROM generate_series(" + 100 + ", " + (finished + 99) + ") g");
        db.execute("INSERT INTO core_task (pulp_created, state, name, unblocked_at, reserved_resources_record,"
                + " pulp_domain_id) SELECT now() - (g * interval '10 milliseconds'), 'waiting', " + names + ","
                + " CASE WHEN g % 2 = 0 THEN now() END, ARRAY['repo-' || (g % 500)], " + domain
                + " FROM generate_series(1, " + waiting + ") g");
        db.execute("INSERT INTO core_task (state, name, started_at, unblocked_at, app_lock_id, pulp_domain_id)"
                + " SELECT 'running', 'pulp_rpm.app.tasks.synchronize', now(), now(), pulp_id, " + domain
                + " FROM core_appstatus WHERE name LIKE '%@pulp-worker-%'");
        db.execute("VACUUM ANALYZE core_task");
    }

    private static void explain(Connection c, boolean countsOnly) throws Exception {
        var statements = PulpBenchAccess.pollStatements(GroupBy.NONE, true, "(now() - interval '2 seconds')");
        for (String sql : countsOnly ? statements.subList(1, 2) : statements) {
            System.out.println("# EXPLAIN (ANALYZE, BUFFERS)\n" + sql.replaceAll("(?m)^", "#   "));
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
                while (rs.next()) {
                    System.out.println("    " + rs.getString(1));
                }
            }
        }
    }
}
