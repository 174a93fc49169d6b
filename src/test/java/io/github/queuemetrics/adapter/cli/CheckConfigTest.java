package io.github.queuemetrics.adapter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.config.SourceConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckConfigTest {

    static final String PASSWORD = "s3cr3t!";

    static final String YAML = """
            pollInterval: 2s
            sources:
              - name: rabbit
                type: rabbitmq
                amqpUri: amqp://guest:${RABBITMQ_PASSWORD}@localhost:5672/%2F
                managementUri: http://admin:${RABBITMQ_PASSWORD}@localhost:15672
                queues: [celery, "a:b", "yes", "1"]
                workers: celery
                namespaces: [workers]
              - name: redis
                type: celery-redis
                uri: rediss://:${REDIS_PASSWORD}@redis:6380/3
                queuePattern: "^celery(\\\\..*)?$"
                maxStaleness: 1m30s
              - name: rq
                type: rq
                uri: redis://default:${REDIS_PASSWORD}@localhost:6379/1
                queues: [default, high]
                workers: rq
                pollInterval: 500ms
            """;

    static final Map<String, String> ENV = Map.of("RABBITMQ_PASSWORD", PASSWORD, "REDIS_PASSWORD", PASSWORD);

    @Test
    void rendersEveryResolvedFieldWithPasswordsHidden() throws Exception {
        String out = CheckConfig.render(ConfigLoader.parse(YAML, ENV));

        assertThat(out).doesNotContain("s3cr3t");
        assertThat(out).contains(
                "# configuration is valid: 3 sources",
                "pollInterval: 2s\nmaxStaleness: 30s\nsources:\n",
                "  - name: rabbit\n    type: rabbitmq\n",
                "    amqpUri: amqp://guest:***@localhost:5672/%2F\n",
                "    managementUri: http://admin:***@localhost:15672\n",
                "    vhosts: [/]\n",
                "    queues: [celery, \"a:b\", \"yes\", \"1\"]\n",
                "    workers: celery\n",
                "    workerReplyTimeout: 1s\n",
                "    namespaces: [workers]\n",
                "    uri: rediss://:***@redis:6380/3\n",
                "    queuePattern: \"^celery(\\\\..*)?$\"\n",
                "    maxStaleness: 1m30s\n",
                "    prioritySteps: [0, 3, 6, 9]\n",
                "    separator: \"\\u0006\\u0016\"\n",
                "    keyPrefix: \"\"\n",
                "    uri: redis://default:***@localhost:6379/1\n",
                "    pollInterval: 500ms\n",
                "    # namespaces: not restricted");
        // celery-redis options only on the celery-redis source
        assertThat(out.split("prioritySteps").length).isEqualTo(2);
    }

    @Test
    void theReportLoadsBackToTheSameConfigurationExceptThePasswords() throws Exception {
        AdapterConfig original = ConfigLoader.parse(YAML, ENV);
        AdapterConfig reloaded = ConfigLoader.parse(CheckConfig.render(original), Map.of());

        assertThat(reloaded.pollInterval()).isEqualTo(original.pollInterval());
        assertThat(reloaded.maxStaleness()).isEqualTo(original.maxStaleness());
        assertThat(reloaded.sources()).hasSameSizeAs(original.sources());
        for (int i = 0; i < original.sources().size(); i++) {
            SourceConfig a = original.sources().get(i);
            SourceConfig b = reloaded.sources().get(i);
            // toString redacts passwords, so equal strings mean equal configurations apart from them
            assertThat(b.toString()).isEqualTo(a.toString());
            assertThat(b.prioritySteps()).isEqualTo(a.prioritySteps());
            assertThat(b.separator()).isEqualTo(a.separator());
            assertThat(b.keyPrefix()).isEqualTo(a.keyPrefix());
        }
        assertThat(reloaded.sources().get(0).amqpUri().getUserInfo()).isEqualTo("guest:***");
    }

    @Test
    void rendersTheLocalSample() throws Exception {
        String out = CheckConfig.render(ConfigLoader.load(Path.of("adapter", "adapter.yaml"),
                Map.of("RABBITMQ_PASSWORD", PASSWORD)));
        assertThat(out).doesNotContain("s3cr3t").contains("amqp://guest:***@localhost:5672/%2F",
                "queues: [celery, short-running-tasks, long-running-tasks]", "uri: redis://localhost:6379/1");
    }
}
