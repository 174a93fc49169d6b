package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a valid configuration resolves to: defaults, derived vhosts, overrides. */
class ConfigLoaderTest {

    static final String CONTRACT_SAMPLE = """
            pollInterval: 5s
            maxStaleness: 30s
            sources:
              - name: rabbit
                type: rabbitmq
                amqpUri: amqp://guest:${RABBITMQ_PASSWORD:-guest}@localhost:5672/%2F
                managementUri: http://localhost:15672
                queues: [short-running-tasks, long-running-tasks]
                workers: celery
                namespaces: [workers]
              - name: redis
                type: celery-redis
                uri: redis://localhost:6379/0
                queues: [celery]
                workers: celery
              - name: rq
                type: rq
                uri: redis://localhost:6379/1
                queues: [default, high]
                workers: rq
            """;

    @Test
    void resolvesTheContractSample() throws Exception {
        AdapterConfig config = ConfigLoader.parse(CONTRACT_SAMPLE, Map.of());

        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.maxStaleness()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.sources()).extracting(SourceConfig::name).containsExactly("rabbit", "redis", "rq");

        SourceConfig rabbit = config.sources().get(0);
        assertThat(rabbit.type()).isEqualTo(SourceType.RABBITMQ);
        assertThat(rabbit.amqpUri()).isEqualTo(URI.create("amqp://guest:guest@localhost:5672/%2F"));
        assertThat(rabbit.managementUri()).isEqualTo(URI.create("http://localhost:15672"));
        assertThat(rabbit.vhosts()).containsExactly("/");
        assertThat(rabbit.queues()).containsExactly("short-running-tasks", "long-running-tasks");
        assertThat(rabbit.fixedQueues()).isTrue();
        assertThat(rabbit.workers()).isEqualTo(WorkerKind.CELERY);
        assertThat(rabbit.namespaces()).containsExactly("workers");
        assertThat(rabbit.visibleTo("workers")).isTrue();
        assertThat(rabbit.visibleTo("default")).isFalse();
        assertThat(rabbit.uri()).isNull();

        SourceConfig redis = config.sources().get(1);
        assertThat(redis.type()).isEqualTo(SourceType.CELERY_REDIS);
        assertThat(redis.uri()).isEqualTo(URI.create("redis://localhost:6379/0"));
        assertThat(redis.prioritySteps()).containsExactly(0, 3, 6, 9);
        assertThat(redis.separator()).isEqualTo("\u0006\u0016");
        assertThat(redis.keyPrefix()).isEmpty();
        assertThat(redis.namespaces()).isEmpty();
        assertThat(redis.visibleTo("anything")).isTrue();
        assertThat(redis.amqpUri()).isNull();

        SourceConfig rq = config.sources().get(2);
        assertThat(rq.type()).isEqualTo(SourceType.RQ);
        assertThat(rq.workers()).isEqualTo(WorkerKind.RQ);
        assertThat(rq.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(rq.maxStaleness()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void defaultsApplyWhenTheTopLevelDurationsAreAbsent() throws Exception {
        AdapterConfig config = ConfigLoader.parse(ConfigLoaderValidationTest.RQ, Map.of());
        assertThat(config.pollInterval()).isEqualTo(AdapterConfig.DEFAULT_POLL_INTERVAL);
        assertThat(config.maxStaleness()).isEqualTo(AdapterConfig.DEFAULT_MAX_STALENESS);
        assertThat(config.sources().get(0).pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.sources().get(0).workers()).isEqualTo(WorkerKind.NONE);
    }

    @Test
    void aSourceOverridesTheGlobalDurations() throws Exception {
        AdapterConfig config = ConfigLoader.parse("pollInterval: 10s\nmaxStaleness: 2m\n"
                + ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.RQ, "pollInterval: 500ms"), Map.of());
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.sources().get(0).pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.sources().get(0).maxStaleness()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void workerReplyTimeoutDefaultsToCeleryOwnSecondAndIsReadPerSource() throws Exception {
        AdapterConfig defaulted = ConfigLoader.parse(ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.REDIS,
                "workers: celery"), Map.of());
        assertThat(defaulted.sources().get(0).workerReplyTimeout()).isEqualTo(Duration.ofSeconds(1));
        AdapterConfig set = ConfigLoader.parse(ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.RABBIT,
                "workers: celery", "workerReplyTimeout: 2500ms"), Map.of());
        assertThat(set.sources().get(0).workerReplyTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    static Stream<Arguments> vhostsFromAmqpUri() {
        return Stream.of(
                arguments("amqp://guest:guest@localhost:5672/%2F", List.of("/")),
                arguments("amqp://guest:guest@localhost:5672/%2f", List.of("/")),
                arguments("amqp://guest:guest@localhost:5672/", List.of("/")),
                arguments("amqp://guest:guest@localhost:5672", List.of("/")),
                arguments("amqps://localhost/prod", List.of("prod")),
                arguments("amqp://localhost/team%2Fa", List.of("team/a")),
                arguments("amqp://localhost/a+b", List.of("a+b")),
                arguments("amqp://localhost/a%20b?heartbeat=10", List.of("a b")));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("vhostsFromAmqpUri")
    void derivesTheVhostFromTheAmqpUriPath(String amqpUri, List<String> vhosts) throws Exception {
        String yaml = ConfigLoaderValidationTest.replacing(ConfigLoaderValidationTest.RABBIT, "amqpUri",
                "amqpUri: " + amqpUri);
        assertThat(ConfigLoader.parse(yaml, Map.of()).sources().get(0).vhosts()).isEqualTo(vhosts);
    }

    @Test
    void explicitVhostsWinOverTheUriPath() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.RABBIT, "vhosts: [a, /]");
        assertThat(ConfigLoader.parse(yaml, Map.of()).sources().get(0).vhosts()).containsExactly("a", "/");
    }

    @Test
    void prometheusUriIsKeptBesideTheManagementUri() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.RABBIT,
                "managementUri: http://localhost:15672", "prometheusUri: http://localhost:15692");
        SourceConfig source = ConfigLoader.parse(yaml, Map.of()).sources().get(0);
        assertThat(source.prometheusUri()).isEqualTo(URI.create("http://localhost:15692"));
        assertThat(source.managementUri()).isEqualTo(URI.create("http://localhost:15672"));
        assertThat(ConfigLoader.parse(CONTRACT_SAMPLE, Map.of()).sources().get(0).prometheusUri()).isNull();
    }

    @Test
    void queuePatternReplacesTheQueueList() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.replacing(
                ConfigLoaderValidationTest.RABBIT, "queues", "queuePattern: '^celery.*'"),
                "managementUri: http://localhost:15672");
        SourceConfig source = ConfigLoader.parse(yaml, Map.of()).sources().get(0);
        assertThat(source.fixedQueues()).isFalse();
        assertThat(source.queues()).isEmpty();
        assertThat(source.queuePattern().matcher("celery-high").matches()).isTrue();
        assertThat(source.queuePattern().matcher("other").matches()).isFalse();
    }

    @Test
    void maxQueuesDefaultsTo10000AndIsReadWithAPattern() throws Exception {
        SourceConfig byDefault = ConfigLoader.parse(ConfigLoaderValidationTest.replacing(
                ConfigLoaderValidationTest.RQ, "queues", "queuePattern: '^a'"), Map.of()).sources().get(0);
        assertThat(byDefault.maxQueues()).isEqualTo(10_000);
        SourceConfig set = ConfigLoader.parse(ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.replacing(
                ConfigLoaderValidationTest.RQ, "queues", "queuePattern: '^a'"), "maxQueues: 250"), Map.of()).sources().get(0);
        assertThat(set.maxQueues()).isEqualTo(250);
        assertThat(set.tooManyQueues(251)).isEqualTo("source rq: queuePattern '^a' matches 251 queues, more than "
                + "maxQueues (250); narrow the pattern or raise maxQueues");
    }

    @Test
    void celeryRedisTransportOptionsAreRead() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.REDIS,
                "prioritySteps: [0, 1, '2', 255]", "separator: \":\"", "keyPrefix: ''", "workers: none");
        SourceConfig source = ConfigLoader.parse(yaml, Map.of()).sources().get(0);
        assertThat(source.prioritySteps()).containsExactly(0, 1, 2, 255);
        assertThat(source.separator()).isEqualTo(":");
        assertThat(source.keyPrefix()).isEmpty();
        assertThat(source.workers()).isEqualTo(WorkerKind.NONE);

        String escaped = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.REDIS,
                "separator: \"\\x06\\x16\"", "keyPrefix: 'app:'");
        SourceConfig kombuDefault = ConfigLoader.parse(escaped, Map.of()).sources().get(0);
        assertThat(kombuDefault.separator()).isEqualTo(SourceConfig.DEFAULT_SEPARATOR);
        assertThat(kombuDefault.keyPrefix()).isEqualTo("app:");
    }

    @Test
    void anEmptyOptionalValueMeansNotSet() throws Exception {
        String yaml = ConfigLoaderValidationTest.with(ConfigLoaderValidationTest.RABBIT,
                "managementUri: ${RABBITMQ_MANAGEMENT_URI:-}");
        assertThat(ConfigLoader.parse(yaml, Map.of()).sources().get(0).management()).isEmpty();
        assertThat(ConfigLoader.parse(yaml, Map.of("RABBITMQ_MANAGEMENT_URI", "https://mq:15671"))
                .sources().get(0).management()).contains(URI.create("https://mq:15671"));
    }

    @Test
    void loadsAFileAndNamesItWhenItIsMissing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("adapter.yaml");
        Files.writeString(file, ConfigLoaderValidationTest.RQ);
        assertThat(ConfigLoader.load(file, Map.of()).sources()).hasSize(1);

        Path missing = dir.resolve("nope.yaml");
        Assertions.assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file (give the configuration with --config FILE)");
    }

    @Test
    void aSyntaxErrorInAFileIsPrefixedWithTheFileName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "sources: [\n");
        Assertions.assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": line ");
    }
}
