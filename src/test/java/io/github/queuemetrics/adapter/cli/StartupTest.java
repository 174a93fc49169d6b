package io.github.queuemetrics.adapter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    Startup.Outcome prepare(Map<String, String> env, String... args) {
        return Startup.prepare(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    Path config(String yaml) throws IOException {
        return Files.writeString(dir.resolve("adapter.yaml"), yaml);
    }

    @Test
    void aValidConfigurationRuns() throws Exception {
        Path file = config("sources:\n  - {name: rq, type: rq, uri: 'redis://localhost:6379/1', queues: [default]}\n");
        Startup.Outcome outcome = prepare(Map.of(), "--config", file.toString(), "--management-port=0");
        assertThat(outcome.run()).isTrue();
        assertThat(outcome.options().managementPort()).isZero();
        assertThat(outcome.config().sources()).hasSize(1);
        assertThat(out()).isEmpty();
        assertThat(err()).isEmpty();
    }

    @Test
    void checkConfigPrintsTheResolvedConfigurationAndExitsZero() throws Exception {
        Path file = config("sources:\n  - name: rabbit\n    type: rabbitmq\n"
                + "    amqpUri: amqp://guest:${PW}@localhost:5672/%2F\n    queues: [celery]\n");
        Startup.Outcome outcome = prepare(Map.of("PW", "s3cr3t!"), "--config=" + file, "--check-config");
        assertThat(outcome.run()).isFalse();
        assertThat(outcome.exitCode()).isZero();
        assertThat(out()).startsWith("# configuration is valid: 1 source").contains("amqp://guest:***@localhost")
                .doesNotContain("s3cr3t");
        assertThat(err()).isEmpty();
    }

    @Test
    void configurationProblemsGoToStderrOneLineEachWithStatusTwo() throws Exception {
        Path file = config("pollInterval: 5\nsources:\n  - name: rabbit\n    type: rabbitmq\n"
                + "    amqpUri: amqp://guest:s3cr3t!@/x@localhost\n    queue: [celery]\n");
        Startup.Outcome outcome = prepare(Map.of(), "--config", file.toString(), "--check-config");
        assertThat(outcome.run()).isFalse();
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(err().lines().toList()).hasSize(3).satisfiesExactly(
                l -> assertThat(l).startsWith("pollInterval: "),
                l -> assertThat(l).startsWith("sources[0].amqpUri: "),
                l -> assertThat(l).startsWith("sources[0].queue: unknown key; did you mean queues?"));
        assertThat(err()).doesNotContain("s3cr3t");
        assertThat(out()).isEmpty();
    }

    @Test
    void aMissingConfigurationFileIsStatusTwo() {
        Startup.Outcome outcome = prepare(Map.of(), "--config", dir.resolve("none.yaml").toString());
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(err()).contains("none.yaml: no such file");
    }

    @Test
    void aUsageErrorIsStatusTwo() {
        Startup.Outcome outcome = prepare(Map.of(), "--secure-prot", "1");
        assertThat(outcome.run()).isFalse();
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(err()).isEqualTo("error: unknown option --secure-prot; did you mean --secure-port?\n"
                + "Run with --help to see the options.\n");
    }

    @Test
    void helpAndVersionExitZeroWithoutReadingTheConfiguration() {
        Startup.Outcome help = prepare(Map.of(), "--help", "--config", "/nonexistent.yaml");
        assertThat(help.exitCode()).isZero();
        assertThat(help.run()).isFalse();
        assertThat(out()).isEqualTo(CommandLine.helpText());
        out.reset();
        Startup.Outcome version = prepare(Map.of(), "--version");
        assertThat(version.exitCode()).isZero();
        assertThat(out()).isEqualTo(CommandLine.versionText() + "\n");
        assertThat(err()).isEmpty();
    }
}
