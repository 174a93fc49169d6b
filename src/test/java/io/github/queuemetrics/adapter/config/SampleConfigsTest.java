package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped sample under adapter/ loads (Maven runs tests from the project directory). */
class SampleConfigsTest {

    static Stream<Path> samples() throws IOException {
        List<Path> files;
        try (Stream<Path> top = Files.list(Path.of("adapter"));
             Stream<Path> examples = Files.list(Path.of("adapter", "examples"))) {
            files = Stream.concat(top, examples)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        }
        assertThat(files).as("sample configurations").hasSizeGreaterThanOrEqualTo(3);
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void loadsWithAnEmptyEnvironment(Path file) throws Exception {
        AdapterConfig config = ConfigLoader.load(file, Map.of());
        assertThat(config.sources()).isNotEmpty();
    }

    @Test
    void theLocalSampleTargetsTheLocalBrokers() throws Exception {
        AdapterConfig config = ConfigLoader.load(Path.of("adapter", "adapter.yaml"), Map.of("RABBITMQ_PASSWORD", "pw"));
        assertThat(config.sources()).extracting(SourceConfig::name).containsExactly("rabbit", "redis", "rq");
        SourceConfig rabbit = config.sources().get(0);
        assertThat(rabbit.amqpUri().toString()).isEqualTo("amqp://guest:pw@localhost:5672/%2F");
        assertThat(rabbit.managementUri().toString()).isEqualTo("http://localhost:15672");
        assertThat(rabbit.vhosts()).containsExactly("/");
        assertThat(rabbit.queues()).containsExactly("celery", "short-running-tasks", "long-running-tasks");
        assertThat(rabbit.workers()).isEqualTo(WorkerKind.CELERY);
        SourceConfig redis = config.sources().get(1);
        assertThat(redis.type()).isEqualTo(SourceType.CELERY_REDIS);
        assertThat(redis.uri().toString()).isEqualTo("redis://localhost:6379/0");
        assertThat(redis.queues()).containsExactly("celery");
        assertThat(redis.workers()).isEqualTo(WorkerKind.CELERY);
        SourceConfig rq = config.sources().get(2);
        assertThat(rq.uri().toString()).isEqualTo("redis://localhost:6379/1");
        assertThat(rq.queues()).containsExactly("default", "high");
        assertThat(rq.workers()).isEqualTo(WorkerKind.RQ);
    }
}
