package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.testsupport.PulpDatabase;
import io.github.queuemetrics.adapter.testsupport.PulpDatabase.Layout;
import io.github.queuemetrics.adapter.testsupport.RunningAdapter;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Pulp source through the whole adapter: the values served over HTTPS equal SQL counts of
 * core_task, follow the table, and a database outage becomes a 503 naming the database (after
 * maxStaleness), never a 0; the adapter recovers by itself.
 */
class PulpAdapterIT {

    private static final String WAITING = "SELECT count(*) FROM core_task WHERE state = 'waiting'";

    @Test
    void servesSqlCountsOverHttpsAndA503WhileTheDatabaseIsDown() throws Exception {
        try (PulpDatabase db = PulpDatabase.create(Layout.CURRENT);
             TcpProxy proxy = new TcpProxy(PulpDatabase.HOST, PulpDatabase.PORT)) {
            db.tasks(3, "waiting", "pulp_rpm.app.tasks.synchronize", true, "default", 60);
            db.tasks(2, "waiting", "pulp_rpm.app.tasks.synchronize", false, "default", 60);
            db.tasks(3, "running", "pulp_rpm.app.tasks.synchronize", false, "default", 60);
            db.tasks(10, "completed", "pulp_rpm.app.tasks.synchronize", false, "default", 600);
            String yaml = """
                    pollInterval: 300ms
                    maxStaleness: 3s
                    sources:
                      - name: pulp
                        type: pulp
                        uri: postgresql://postgres@127.0.0.1:%d/%s
                    """.formatted(proxy.port(), db.name());
            try (RunningAdapter adapter = RunningAdapter.start(yaml)) {
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    assertThat(adapter.metric("queue_ready", "pulp", "pulp"))
                            .isEqualTo(db.number(WAITING + " AND unblocked_at IS NOT NULL")).isEqualTo(3);
                    assertThat(adapter.metric("queue_blocked", "pulp", "pulp"))
                            .isEqualTo(db.number(WAITING + " AND unblocked_at IS NULL")).isEqualTo(2);
                    assertThat(adapter.metric("queue_outstanding", "pulp", "pulp")).isEqualTo(db.number(
                            "SELECT count(*) FROM core_task WHERE state IN ('waiting', 'running', 'canceling')"))
                            .isEqualTo(8);
                    assertThat(adapter.metric("queue_running", "pulp", "pulp")).isEqualTo(3);
                });

                // a worker unblocks the two and starts one: counts follow the table
                db.execute("UPDATE core_task SET unblocked_at = now() WHERE state = 'waiting'");
                db.execute("UPDATE core_task SET state = 'running', started_at = now() WHERE pulp_id ="
                        + " (SELECT pulp_id FROM core_task WHERE state = 'waiting' LIMIT 1)");
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    assertThat(adapter.metric("queue_ready", "pulp", "pulp")).isEqualTo(4);
                    assertThat(adapter.metric("queue_blocked", "pulp", "pulp")).isZero();
                    assertThat(adapter.metric("queue_running", "pulp", "pulp")).isEqualTo(4);
                });

                MetricsApi api = new MetricsApi(adapter.adapter().securePort(), HttpClient.Version.HTTP_2);
                proxy.block();
                MetricsApi.Answer down = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                        .until(() -> api.metric("default", "queue_outstanding", "source=pulp"),
                                a -> a.status() != 200);
                assertThat(down.status()).isEqualTo(503);
                assertThat(down.body()).contains("source pulp").contains("cannot reach the Pulp database")
                        .doesNotContain("\"0\"");
                // The pod stays ready (the APIService serves every other source); /readyz says why.
                var ready = adapter.probe("/readyz");
                assertThat(ready.status()).isEqualTo(200);
                assertThat(ready.body()).contains("[!]").contains("pulp");

                proxy.unblock();
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                        .until(() -> api.metric("default", "queue_outstanding", "source=pulp").status() == 200);
                assertThat(adapter.metric("queue_outstanding", "pulp", "pulp")).isEqualTo(8);
            }
        }
    }
}
