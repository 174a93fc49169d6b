package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ${VAR} references as seen through the loader: field paths, structure safety, escapes. */
class ConfigLoaderInterpolationTest {

    static final String YAML = """
            pollInterval: ${POLL:-5s}
            sources:
              - name: ${SOURCE_NAME:-rabbit}
                type: rabbitmq
                amqpUri: amqp://guest:${RABBITMQ_PASSWORD}@${RABBITMQ_HOST:-localhost}:5672/%2F
                queues: [celery, "${EXTRA_QUEUE:-extra}"]
            """;

    @Test
    void valuesComeFromTheEnvironmentOrTheDefault() throws Exception {
        AdapterConfig config = ConfigLoader.parse(YAML, Map.of("RABBITMQ_PASSWORD", "pw", "POLL", "2s"));
        SourceConfig source = config.sources().get(0);
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(source.name()).isEqualTo("rabbit");
        assertThat(source.amqpUri()).isEqualTo(URI.create("amqp://guest:pw@localhost:5672/%2F"));
        assertThat(source.queues()).containsExactly("celery", "extra");
    }

    @Test
    void anUnsetVariableIsReportedOnceUnderItsFieldPath() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(YAML, Map.of()));
        assertThat(e.problems()).containsExactly("sources[0].amqpUri: environment variable RABBITMQ_PASSWORD"
                + " is not set (set it, or give a default: ${RABBITMQ_PASSWORD:-value})");
    }

    @Test
    void aReferenceInsideAListIsReportedWithItsIndex() {
        String yaml = ConfigLoaderValidationTest.replacing(ConfigLoaderValidationTest.RABBIT, "queues",
                "queues: [celery, '${QUEUE}']");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("sources[0].queues[1]: environment variable QUEUE is not set");
    }

    @Test
    void anEnvironmentValueCannotChangeTheStructure() throws Exception {
        // Textual substitution before parsing would turn this into a second key and a list.
        String hostile = "x\n    queuePattern: '.*'\n    namespaces: [evil]";
        String yaml = ConfigLoaderValidationTest.replacing(ConfigLoaderValidationTest.RABBIT, "queues",
                "queues: ['${QUEUE}']");
        SourceConfig source = ConfigLoader.parse(yaml, Map.of("QUEUE", hostile)).sources().get(0);
        assertThat(source.queues()).containsExactly(hostile);
        assertThat(source.queuePattern()).isNull();
        assertThat(source.namespaces()).isEmpty();
    }

    @Test
    void anUnquotedReferenceInAFlowListGetsAQuotingHint() {
        String yaml = ConfigLoaderValidationTest.replacing(ConfigLoaderValidationTest.RABBIT, "queues",
                "queues: [celery, ${QUEUE}]");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("line 5, column ").endsWith("(inside [...] or {...}, put values with ${...} in quotes)");
    }

    @Test
    void theEscapeGivesALiteralReference() throws Exception {
        String yaml = ConfigLoaderValidationTest.replacing(ConfigLoaderValidationTest.RABBIT, "queues",
                "queues: ['$${NOT_A_VARIABLE}']");
        assertThat(ConfigLoader.parse(yaml, Map.of()).sources().get(0).queues()).containsExactly("${NOT_A_VARIABLE}");
    }

    @Test
    void aMalformedReferenceIsReportedUnderItsFieldPath() {
        String yaml = "pollInterval: ${POLL\n" + ConfigLoaderValidationTest.RQ;
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("pollInterval: malformed ${...} reference at character 1");
    }

    @Test
    void keysAndNonStringValuesAreNotInterpolated() {
        String yaml = "${KEY}: 1\n" + ConfigLoaderValidationTest.RQ;
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(yaml, Map.of("KEY", "pollInterval")));
        assertThat(e.problems()).singleElement().asString().startsWith("${KEY}: unknown key");
    }
}
