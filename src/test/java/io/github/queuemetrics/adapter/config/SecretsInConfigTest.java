package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The password s3cr3t! never appears in an error message or a toString, whatever goes wrong. */
class SecretsInConfigTest {

    static final String PASSWORD = "s3cr3t!";

    static Stream<String> brokenConfigsHoldingThePassword() {
        String rabbit = ConfigLoaderValidationTest.RABBIT.replace("guest:guest", "guest:" + PASSWORD);
        String redis = ConfigLoaderValidationTest.REDIS.replace("redis://", "redis://:" + PASSWORD + "@");
        return Stream.of(
                // the password is fine, something else in the source is broken
                ConfigLoaderValidationTest.with(rabbit, "workers: rq", "managementUri: ftp://admin:" + PASSWORD + "@h"),
                ConfigLoaderValidationTest.with(redis, "vhosts: [a]", "colour: " + PASSWORD),
                rabbit.replace("/%2F", "/a/b"),
                rabbit.replace("amqp://", "http://"),
                rabbit.replace("localhost:5672", "localhost:99999"),
                redis.replace("/0", "/zero"),
                redis.replace("6379/0", "6379/0#frag"),
                // the password breaks the URI (unencoded special characters)
                rabbit.replace(PASSWORD, PASSWORD + "/x"),
                rabbit.replace(PASSWORD, PASSWORD + "#x"),
                rabbit.replace(PASSWORD, PASSWORD + "@x"),
                rabbit.replace(PASSWORD, PASSWORD + "%zz"),
                rabbit.replace(PASSWORD, PASSWORD + " x"),
                rabbit.replace(PASSWORD, PASSWORD + "?x"),
                ConfigLoaderValidationTest.REDIS.replace("redis://", "redis://" + PASSWORD + "@"),
                // the password sits on a line with a YAML syntax error
                rabbit.replace("queues: [celery]", "queues: [celery"),
                rabbit.replace("    amqpUri", "\tamqpUri"),
                rabbit.replace("amqpUri: amqp", "amqpUri: 'amqp"),
                rabbit + "    amqpUri: amqp://u:" + PASSWORD + "@h\n",
                // the password is in a value of the wrong type
                rabbit.replace("queues: [celery]", "queues: amqp://u:" + PASSWORD + "@h"),
                rabbit.replace("name: rabbit", "name: amqp://u:" + PASSWORD + "@h"));
    }

    @ParameterizedTest
    @MethodSource("brokenConfigsHoldingThePassword")
    void neverInAProblemLine(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e).as("config should be rejected:\n" + yaml).isNotNull();
        assertThat(e.getMessage()).doesNotContain(PASSWORD).isNotBlank();
        assertThat(e.problems()).noneMatch(line -> line.contains(PASSWORD) || line.contains("s3cr3t"));
        assertThat(e.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void neverInAPasswordFromTheEnvironmentThatBreaksTheUri() {
        String yaml = ConfigLoaderValidationTest.RABBIT.replace("guest:guest", "guest:${RABBITMQ_PASSWORD}");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(yaml, Map.of("RABBITMQ_PASSWORD", "p@ss/" + PASSWORD)));
        assertThat(e.getMessage()).doesNotContain("s3cr3t").contains("sources[0].amqpUri").contains("percent-encode");
    }

    @Test
    void neverInTheToStringOfALoadedConfiguration() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(
                ConfigLoaderValidationTest.RABBIT.replace("guest:guest", "guest:${RABBITMQ_PASSWORD}"),
                "managementUri: http://admin:" + PASSWORD + "@localhost:15672")
                + ConfigLoaderValidationTest.REDIS.replace("sources:\n", "").replace("redis://", "redis://:" + PASSWORD + "@")
                + ConfigLoaderValidationTest.RQ.replace("sources:\n", "").replace("redis://", "redis://default:" + PASSWORD + "@");
        AdapterConfig config = ConfigLoader.parse(yaml, Map.of("RABBITMQ_PASSWORD", PASSWORD));
        assertThat(config.sources().get(0).amqpUri().getUserInfo()).isEqualTo("guest:" + PASSWORD);
        assertThat(config.toString()).doesNotContain("s3cr3t").contains("guest:***@", "admin:***@", "default:***@");
        for (SourceConfig source : config.sources()) {
            assertThat(source.toString()).doesNotContain("s3cr3t");
        }
    }

    @Test
    void theExceptionRedactsEvenWhatACallerPutsIn() {
        ConfigException e = new ConfigException("x: amqp://u:" + PASSWORD + "@h is bad");
        assertThat(e.getMessage()).isEqualTo("x: amqp://u:***@h is bad");
        assertThat(e.problems()).containsExactly("x: amqp://u:***@h is bad");
    }
}
