package io.github.queuemetrics.adapter.config;

import static io.github.queuemetrics.adapter.config.ConfigLoaderValidationTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.cli.CheckConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code type: pulp}: the connection keys, groupBy, and secrets kept out of every output. */
class PulpConfigTest {

    private static final String HEAD = "sources:\n  - name: pulp\n    type: pulp\n";

    private static SourceConfig parse(String... lines) throws ConfigException {
        return ConfigLoader.parse(yaml(lines), Map.of()).sources().get(0);
    }

    private static String yaml(String... lines) {
        StringBuilder b = new StringBuilder(HEAD);
        for (String line : lines) {
            b.append("    ").append(line).append('\n');
        }
        return b.toString();
    }

    @Test
    void workersPulpTracksPulpWorkersByPodName() throws ConfigException {
        SourceConfig s = parse("uri: postgresql://db/pulp", "workers: pulp");
        assertThat(s.workers()).isEqualTo(WorkerKind.PULP);
        assertThat(s.workerNameOfPod("pulp-worker-7d9f-abcde")).isEqualTo("pulp-worker-7d9f-abcde");
    }

    @Test
    void aUriBecomesAJdbcUrlWithDecodedCredentials() throws ConfigException {
        SourceConfig s = parse("uri: postgresql://pulp:p%40ss@db.example:5433/pulp?sslmode=require");
        assertThat(s.type()).isEqualTo(SourceType.PULP);
        assertThat(s.pulp().jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5433/pulp?sslmode=require");
        assertThat(s.pulp().user()).isEqualTo("pulp");
        assertThat(s.pulp().password()).isEqualTo("p@ss");
        assertThat(s.pulp().groupBy()).isEqualTo(PulpSettings.GroupBy.NONE);
        assertThat(s.pulp().statementTimeout()).isEqualTo(PulpSettings.DEFAULT_STATEMENT_TIMEOUT);
        assertThat(s.fixedQueues()).isTrue();
        assertThat(s.queues()).containsExactly("pulp");
    }

    @Test
    void aJdbcUrlWithUserAndPasswordAndGrouping() throws ConfigException {
        SourceConfig s = parse("jdbcUrl: jdbc:postgresql://db:5432/pulp", "user: pulp", "password: s3cret",
                "groupBy: domain", "statementTimeout: 2s");
        assertThat(s.pulp().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/pulp");
        assertThat(s.pulp().user()).isEqualTo("pulp");
        assertThat(s.pulp().password()).isEqualTo("s3cret");
        assertThat(s.pulp().groupBy()).isEqualTo(PulpSettings.GroupBy.DOMAIN);
        assertThat(s.pulp().statementTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.fixedQueues()).as("domains are found in the database").isFalse();
        assertThat(parse("uri: postgres://db/pulp", "groupBy: name").pulp().groupBy())
                .isEqualTo(PulpSettings.GroupBy.NAME);
    }

    @Test
    void passwordsAreHiddenInCheckConfigAndToString() throws ConfigException {
        SourceConfig fromUri = parse("uri: postgresql://pulp:topsecret@db:5432/pulp");
        SourceConfig fromJdbc = parse("jdbcUrl: jdbc:postgresql://db:5432/pulp?password=urlsecret", "user: pulp",
                "password: keysecret");
        for (SourceConfig s : List.of(fromUri, fromJdbc)) {
            assertThat(s.toString()).doesNotContain("topsecret", "urlsecret", "keysecret");
        }
        String report = CheckConfig.render(ConfigLoader.parse(
                yaml("jdbcUrl: jdbc:postgresql://db:5432/pulp?password=urlsecret", "user: pulp", "password: keysecret"),
                Map.of()));
        assertThat(report).doesNotContain("urlsecret", "keysecret").contains("password: \"***\"", "groupBy: none");
        // the report reads back as the same source (with *** for the password)
        SourceConfig again = ConfigLoader.parse(report, Map.of()).sources().get(0);
        assertThat(again.pulp().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/pulp?password=***");
        assertThat(again.pulp().groupBy()).isEqualTo(PulpSettings.GroupBy.NONE);
    }

    @Test
    void eachMistakeIsReportedUnderItsField() {
        assertThat(problems(yaml())).containsExactly("sources[0].uri: required: a URI such as"
                + " postgresql://host:5432/pulp (user:password@ before the host) (or jdbcUrl: jdbc:postgresql://host:5432/pulp with user"
                + " and password)");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "jdbcUrl: jdbc:postgresql://db/pulp")))
                .containsExactly("sources[0].jdbcUrl: give either uri or jdbcUrl, not both");
        assertThat(problems(yaml("uri: mysql://db/pulp"))).singleElement().asString()
                .startsWith("sources[0].uri: must be a URI starting with postgresql:// or postgres://");
        assertThat(problems(yaml("uri: postgresql://db:5432"))).singleElement().asString()
                .startsWith("sources[0].uri: the path must be the database name");
        assertThat(problems(yaml("uri: postgresql://a:b@db/pulp", "user: a"))).singleElement().asString()
                .startsWith("sources[0].uri: give the user and password either in the uri or as user/password");
        assertThat(problems(yaml("jdbcUrl: jdbc:mysql://db/pulp"))).singleElement().asString()
                .startsWith("sources[0].jdbcUrl: must start with jdbc:postgresql:");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "groupBy: queue"))).singleElement().asString()
                .startsWith("sources[0].groupBy: 'queue' is not a grouping; use none");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "queues: [a]"))).singleElement().asString()
                .startsWith("sources[0].queues: only for types celery-redis, rabbitmq, rq");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "workers: celery")))
                .containsExactly("sources[0].workers: type pulp has pulp workers, not celery");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "statementTimeout: 30s"))).singleElement().asString()
                .startsWith("sources[0].statementTimeout: must be shorter than maxStaleness (30s)");
        assertThat(problems(yaml("uri: postgresql://db/pulp", "amqpUri: amqp://h/"))).singleElement().asString()
                .startsWith("sources[0].amqpUri: only for type rabbitmq");
    }

    @Test
    void aPasswordThatYamlReadsAsANumberIsNotEchoed() {
        List<String> problems = problems(yaml("jdbcUrl: jdbc:postgresql://db/pulp", "user: pulp", "password: 918273645"));
        assertThat(problems).containsExactly(
                "sources[0].password: must be a string; put the value in quotes (the value is not shown)");
        assertThat(String.join("\n", problems)).doesNotContain("918273645");
    }
}
