package io.github.queuemetrics.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What Grafana needs of the dashboard files, without a Grafana: the fixed uids links and
 * provisioning rely on, no instance-specific ids, every panel and target on the {@code datasource}
 * variable, and the variables the panels use. The queries themselves are run against a real
 * Prometheus by {@link GrafanaDashboardsIT}.
 */
class GrafanaDashboardsTest {

    @Test
    void dashboardsHaveTheirFixedUidsAndNoInstanceId() throws Exception {
        Map<String, Path> byUid = new HashMap<>();
        for (Path file : DashboardQueries.files()) {
            JsonNode d = DashboardQueries.read(file);
            assertThat(d.path("id").isMissingNode() || d.path("id").isNull()).as("%s: no id", file).isTrue();
            assertThat(byUid.put(d.path("uid").asText(), file)).as("uid of %s is unique", file).isNull();
        }
        assertThat(byUid).containsOnlyKeys("qma-queues", "qma-adapter");
    }

    @Test
    void everyPanelAndTargetReadsTheDatasourceVariable() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path file : DashboardQueries.files()) {
            JsonNode d = DashboardQueries.read(file);
            assertThat(variableNames(d)).as("%s variables", file).contains("datasource", "source");
            for (JsonNode panel : panels(d)) {
                if ("row".equals(panel.path("type").asText())) {
                    continue;
                }
                if (!"${datasource}".equals(panel.path("datasource").path("uid").asText())) {
                    wrong.add(file.getFileName() + " / " + panel.path("title").asText());
                }
                assertThat(panel.path("targets")).as("%s / %s has targets", file, panel.path("title")).isNotEmpty();
                for (JsonNode t : panel.path("targets")) {
                    if (!"${datasource}".equals(t.path("datasource").path("uid").asText())) {
                        wrong.add(file.getFileName() + " / " + panel.path("title").asText() + " / " + t.path("refId"));
                    }
                }
            }
        }
        assertThat(wrong).as("panels or targets not on ${datasource}").isEmpty();
    }

    @Test
    void theQueuesDashboardSelectsBySourceAndQueue() throws Exception {
        JsonNode queues = DashboardQueries.read(DashboardQueries.DASHBOARDS.resolve("queues.json"));
        assertThat(variableNames(queues)).containsExactly("datasource", "source", "queue");
    }

    private static List<String> variableNames(JsonNode dashboard) {
        List<String> names = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
        return names;
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            out.add(p);
            p.path("panels").forEach(out::add);
        });
        return out;
    }
}
