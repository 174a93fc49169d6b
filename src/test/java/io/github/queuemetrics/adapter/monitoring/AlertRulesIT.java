package io.github.queuemetrics.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.testsupport.PrometheusServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules through Debian's promtool: {@code check rules} on the plain file and on the
 * PrometheusRule's groups, {@code test rules} on the unit tests, and proof that both catch a
 * broken rule. Fails when /usr/bin/promtool is missing.
 */
class AlertRulesIT {

    @TempDir
    Path dir;

    record Result(int exit, String output) {
    }

    @BeforeAll
    static void promtoolIsInstalled() {
        PrometheusServer.require(PrometheusServer.PROMTOOL);
    }

    @Test
    void theRulesFilesPassPromtoolCheckRules() throws Exception {
        Result plain = promtool("check", "rules", AlertRules.RULES.toString());
        assertThat(plain.exit()).as(plain.output()).isZero();
        assertThat(plain.output()).contains("SUCCESS: 4 rules found");

        // the PrometheusRule's spec is a rules file of its own (AlertRulesFilesTest: the same groups)
        Path spec = dir.resolve("prometheusrule-spec.yml");
        AlertRules.YAML.writeValue(spec.toFile(), AlertRules.read(AlertRules.PROMETHEUS_RULE).path("spec"));
        Result operator = promtool("check", "rules", spec.toString());
        assertThat(operator.exit()).as(operator.output()).isZero();
    }

    @Test
    void theRulesPassTheirPromtoolUnitTests() throws Exception {
        Result r = promtool("test", "rules", AlertRules.TESTS.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void aBrokenRuleFailsTheUnitTestsAndAnInvalidOneFailsTheCheck() throws Exception {
        String rules = Files.readString(AlertRules.RULES);
        Files.copy(AlertRules.TESTS, dir.resolve(AlertRules.TESTS.getFileName()));

        Files.writeString(dir.resolve(AlertRules.RULES.getFileName()),
                replaceOnce(rules, "expr: adapter_source_up == 0", "expr: adapter_source_up == 1"));
        Result wrongThreshold = promtool("test", "rules", dir.resolve(AlertRules.TESTS.getFileName()).toString());
        assertThat(wrongThreshold.exit()).as(wrongThreshold.output()).isNotZero();
        assertThat(wrongThreshold.output()).contains("QueueMetricsAdapterSourceStale");

        Path invalid = Files.writeString(dir.resolve("invalid.rules.yml"),
                replaceOnce(rules, "> 0.1", "> > 0.1"));
        Result check = promtool("check", "rules", invalid.toString());
        assertThat(check.exit()).as(check.output()).isNotZero();
    }

    private static String replaceOnce(String text, String from, String to) {
        assertThat(text).as("the rules file still has " + from).contains(from);
        return text.replaceFirst(java.util.regex.Pattern.quote(from), to);
    }

    private Result promtool(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "promtool", ".txt");
        List<String> command = new java.util.ArrayList<>(List.of(PrometheusServer.PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
