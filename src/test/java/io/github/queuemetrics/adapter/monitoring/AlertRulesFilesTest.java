package io.github.queuemetrics.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The plain rules file and the PrometheusRule carry the same rules, and every alert is covered by
 * the promtool unit tests (which {@link AlertRulesIT} runs).
 */
class AlertRulesFilesTest {

    @Test
    void thePrometheusRuleHasExactlyTheGroupsOfThePlainRulesFile() throws Exception {
        JsonNode plain = AlertRules.read(AlertRules.RULES);
        JsonNode operator = AlertRules.read(AlertRules.PROMETHEUS_RULE);
        assertThat(operator.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(operator.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(operator.path("metadata").path("name").asText()).isNotEmpty();
        assertThat(operator.path("spec").path("groups")).as("PrometheusRule spec.groups vs the rules file's groups")
                .isEqualTo(plain.path("groups"));
        assertThat(plain.path("groups")).isNotEmpty();
    }

    @Test
    void everyAlertHasASeverityASummaryAndAPromtoolTest() throws Exception {
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : AlertRules.read(AlertRules.RULES).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                alerts.add(name);
                assertThat(rule.path("labels").path("severity").asText()).as("%s severity", name)
                        .isIn("critical", "warning");
                assertThat(rule.path("annotations").path("summary").asText()).as("%s summary", name).isNotBlank();
            }
        }
        Set<String> tested = new HashSet<>();
        for (JsonNode test : AlertRules.read(AlertRules.TESTS).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                if (!check.path("exp_alerts").isEmpty()) {
                    tested.add(check.path("alertname").asText());
                }
            }
        }
        assertThat(alerts).containsExactlyInAnyOrder("QueueMetricsAdapterSourceStale", "QueueMetricsAdapterPollFailing",
                "QueueMetricsAdapterDrainTimedOut", "QueueMetricsAdapterWebhookFailingOpen");
        assertThat(tested).as("alerts a promtool test expects to fire").containsExactlyInAnyOrderElementsOf(alerts);
    }
}
