package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase.Layout;
import io.github.queuemetrics.adapter.testsupport.PulpProtocolWorker;
import io.github.queuemetrics.adapter.testsupport.PulpTasking;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Workers that follow Pulp's protocol run tasks while the adapter polls. At several moments the
 * whole system is frozen (no dispatch, unblock, claim or finish; heartbeats go on), and the values
 * served over HTTPS, the worker probes included, must equal SQL counts of that unchanging table.
 * At the end the rates must match the tasks that arrived and finished over the time measured.
 */
class PulpWorkerProtocolIT {

    private static final String POLLED_COUNTS = """
            SELECT count(*) FILTER (WHERE state = 'waiting' AND %1$s),
                   %2$s,
                   count(*) FILTER (WHERE state IN ('running', 'canceling')),
                   count(*) FILTER (WHERE state IN ('waiting', 'running', 'canceling'))
            FROM core_task""";

    @ParameterizedTest
    @EnumSource(value = Layout.class, names = {"CURRENT", "PULP_3_2X"})
    void servedCountsEqualSqlCountsWhileProtocolWorkersRun(Layout layout) throws Exception {
        boolean current = layout == Layout.CURRENT;
        String counts = POLLED_COUNTS.formatted(current ? "unblocked_at IS NOT NULL" : "true",
                current ? "count(*) FILTER (WHERE state = 'waiting' AND unblocked_at IS NULL)" : "NULL");
        String busyWorkers = current
                ? "SELECT count(DISTINCT a.pulp_id) FROM core_appstatus a JOIN core_task t ON t.app_lock_id = a.pulp_id"
                        + " WHERE a.app_type = 'worker' AND a.last_heartbeat >= now() - a.ttl"
                        + " AND t.state IN ('running', 'canceling')"
                : "SELECT count(DISTINCT w.pulp_id) FROM core_worker w JOIN core_task t ON t.worker_id = w.pulp_id"
                        + " WHERE w.last_heartbeat > now() - interval '30 seconds' AND t.state IN ('running', 'canceling')";
        String liveWorkers = current
                ? "SELECT count(*) FROM core_appstatus WHERE app_type = 'worker' AND last_heartbeat >= now() - ttl"
                : "SELECT count(*) FROM core_worker WHERE last_heartbeat > now() - interval '30 seconds'";
        try (PulpDatabase db = PulpDatabase.create(layout); PulpTasking tasking = new PulpTasking(db)) {
            List<PulpProtocolWorker> workers = new ArrayList<>();
            for (String host : new String[] {"pulp-worker-a", "pulp-worker-b", "pulp-worker-c"}) {
                workers.add(new PulpProtocolWorker(tasking, (100 + workers.size()) + "@" + host,
                        Duration.ofMillis(800), Duration.ofSeconds(1)));
            }
            String yaml = """
                    pollInterval: 200ms
                    maxStaleness: 3s
                    sources:
                      - name: pulp
                        type: pulp
                        uri: %s
                        workers: pulp
                    """.formatted(db.uri());
            Instant beforeStart = Instant.now();
            try (RunningAdapter adapter = RunningAdapter.start(yaml)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> adapter.snapshotTakenAt("pulp") != null);
                // Two repositories synced and published one task at a time, plus shared reads of a third.
                int dispatched = 0;
                for (int i = 0; i < 6; i++) {
                    tasking.dispatch("pulp_rpm.app.tasks.synchronize", "repo-1");
                    tasking.dispatch("pulp_file.app.tasks.synchronize", "repo-2");
                    tasking.dispatch("pulpcore.app.tasks.export", "shared:repo-3");
                    dispatched += 3;
                }
                List<Map<String, Double>> seen = new ArrayList<>();
                for (int round = 0; round < 4; round++) {
                    Thread.sleep(300 + 300L * round);
                    tasking.freeze();
                    try {
                        seen.add(compareFrozen(adapter, db, counts, busyWorkers, liveWorkers, workers, current));
                    } finally {
                        tasking.thaw();
                    }
                }
                assertThat(seen).as("counts moved between the frozen moments").doesNotHaveDuplicates();

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                        db.number("SELECT count(*) FROM core_task WHERE state <> 'completed'") == 0);
                Instant allDone = Instant.now();
                Instant firstPoll = adapter.snapshotTakenAt("pulp");
                waitForFreshPolls(adapter);
                assertThat(adapter.metric("queue_outstanding", "pulp", "pulp")).isZero();
                // Every task arrived and finished after the first poll, within the rate window (under a minute).
                double completion = adapter.metric("queue_completion_rate", "pulp", "pulp");
                double arrival = adapter.metric("queue_arrival_rate", "pulp", "pulp");
                double longest = Duration.between(beforeStart, Instant.now()).toMillis() / 1000.0;
                double shortest = Duration.between(firstPoll, allDone).toMillis() / 1000.0;
                assertThat(longest).isLessThan(60);
                assertThat(db.number("SELECT count(*) FROM core_task WHERE state = 'completed'")).isEqualTo(dispatched);
                assertThat(completion).isBetween(dispatched / longest, dispatched / shortest);
                assertThat(arrival).isBetween(dispatched / longest, dispatched / shortest);

                // Pulp's graceful shutdown deletes the worker's row: it leaves workers_total and its probe fails.
                workers.get(1).stopGracefully(Duration.ofSeconds(10));
                waitForFreshPolls(adapter);
                assertThat(adapter.metric("workers_total", "pulp", "pulp")).isEqualTo(db.number(liveWorkers)).isEqualTo(2);
                RunningAdapter.Probe gone = adapter.probe("/probe/pod/default/pulp-worker-b");
                assertThat(gone.status()).isEqualTo(503);
                assertThat(gone.body()).contains("pulp-worker-b maps to no known worker");
                RunningAdapter.Probe byHost = adapter.probe("/probe/pulp/pulp-worker-b");
                assertThat(byHost.status()).isEqualTo(503);
                assertThat(byHost.body()).contains("no Pulp worker on host pulp-worker-b");
            } finally {
                for (PulpProtocolWorker w : workers) {
                    w.close();
                }
            }
        }
    }

    /** With the system frozen: served values equal SQL counts, probes agree with who runs what. */
    private static Map<String, Double> compareFrozen(RunningAdapter adapter, PulpDatabase db, String counts,
                                                     String busyWorkers, String liveWorkers,
                                                     List<PulpProtocolWorker> workers, boolean current) throws Exception {
        waitForFreshPolls(adapter);
        Map<String, Double> served = new LinkedHashMap<>();
        for (String metric : new String[] {"queue_ready", "queue_running", "queue_outstanding", "workers_total",
                "workers_busy"}) {
            served.put(metric, adapter.metric(metric, "pulp", "pulp"));
        }
        if (current) {
            served.put("queue_blocked", adapter.metric("queue_blocked", "pulp", "pulp"));
        }
        double[] sql = db.numbers(counts);
        assertThat(served.get("queue_ready")).as("ready").isEqualTo(sql[0]);
        if (current) {
            assertThat(served.get("queue_blocked")).as("blocked").isEqualTo(sql[1]);
        }
        assertThat(served.get("queue_running")).as("running").isEqualTo(sql[2]);
        assertThat(served.get("queue_outstanding")).as("outstanding").isEqualTo(sql[3]);
        assertThat(served.get("workers_total")).as("workers_total").isEqualTo(db.number(liveWorkers)).isEqualTo(3);
        assertThat(served.get("workers_busy")).as("workers_busy").isEqualTo(db.number(busyWorkers));
        for (PulpProtocolWorker w : workers) {
            String task = w.runningTask();
            RunningAdapter.Probe byName = adapter.probe("/probe/pulp/" + w.name());
            RunningAdapter.Probe byPod = adapter.probe("/probe/pod/default/" + w.name().substring(w.name().indexOf('@') + 1));
            assertThat(byName.status()).as(byName.body()).isEqualTo(200);
            assertThat(byPod.status()).isEqualTo(200);
            // the same worker and task (the heartbeat's age may tick between the two requests)
            assertThat(byPod.body()).startsWith("Pulp worker " + w.name() + " alive")
                    .endsWith(byName.body().substring(byName.body().lastIndexOf("), ")));
            if (task == null) {
                assertThat(byName.body()).endsWith("idle");
            } else {
                assertThat(byName.body()).contains("running task " + task);
            }
        }
        return served;
    }

    /** Two polls that both ended after now: the second started after now, so it read what is there now. */
    private static void waitForFreshPolls(RunningAdapter adapter) {
        for (int i = 0; i < 2; i++) {
            Instant now = Instant.now();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> adapter.snapshotTakenAt("pulp").isAfter(now));
        }
    }
}
