package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every validation rule: one broken field per case, and exactly one problem line naming it. */
class ConfigLoaderValidationTest {

    static final String RABBIT = """
            sources:
              - name: rabbit
                type: rabbitmq
                amqpUri: amqp://guest:guest@localhost:5672/%2F
                queues: [celery]
            """;
    static final String REDIS = """
            sources:
              - name: redis
                type: celery-redis
                uri: redis://localhost:6379/0
                queues: [celery]
            """;
    static final String RQ = """
            sources:
              - name: rq
                type: rq
                uri: redis://localhost:6379/1
                queues: [default]
            """;

    /** Base config plus extra lines inside the (only) source. */
    static String with(String base, String... sourceLines) {
        StringBuilder yaml = new StringBuilder(base);
        for (String line : sourceLines) {
            yaml.append("    ").append(line).append('\n');
        }
        return yaml.toString();
    }

    /** Base config with one source line replaced (matched by its key), or removed when replacement is null. */
    static String replacing(String base, String key, String replacement) {
        String[] lines = base.split("\n");
        StringBuilder yaml = new StringBuilder();
        boolean found = false;
        for (String line : lines) {
            String stripped = line.strip();
            if (stripped.startsWith(key + ":") || stripped.startsWith("- " + key + ":")) {
                found = true;
                if (replacement != null) {
                    String indent = line.substring(0, line.indexOf(stripped));
                    String dash = stripped.startsWith("- ") ? "- " : "";
                    yaml.append(indent).append(dash).append(replacement).append('\n');
                } else if (stripped.startsWith("- ")) {
                    throw new IllegalArgumentException("cannot remove the first key of a list item");
                }
            } else {
                yaml.append(line).append('\n');
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no line for " + key);
        }
        return yaml.toString();
    }

    static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e).as("expected a ConfigException for:\n" + yaml).isNotNull();
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems()));
        return e.problems();
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // top level
                arguments("pollInterval: 5s\n", "sources", "required: a non-empty list of sources"),
                arguments("sources: []\n", "sources", "must be a non-empty list of sources"),
                arguments("sources:\n", "sources", "must be a non-empty list of sources"),
                arguments("sources: rabbit\n", "sources", "must be a non-empty list of sources"),
                arguments("sources: [rabbit]\n", "sources[0]", "must be a mapping"),
                arguments("pollInterval: 5\n" + RABBIT, "pollInterval", "'5' needs a unit"),
                arguments("pollInterval: \"5\"\n" + RABBIT, "pollInterval", "'5' needs a unit"),
                arguments("pollInterval: 1.5\n" + RABBIT, "pollInterval", "needs a unit"),
                arguments("pollInterval: 5 s\n" + RABBIT, "pollInterval", "is not a duration"),
                arguments("pollInterval: 5x\n" + RABBIT, "pollInterval", "is not a duration"),
                arguments("pollInterval: 30s1m\n" + RABBIT, "pollInterval", "largest first"),
                arguments("pollInterval: -5s\n" + RABBIT, "pollInterval", "is not a duration"),
                arguments("pollInterval: 0s\n" + RABBIT, "pollInterval", "must be longer than 0"),
                arguments("pollInterval: [5s]\n" + RABBIT, "pollInterval", "must be a duration"),
                arguments("maxStaleness: 5s\n" + RABBIT, "maxStaleness",
                        "maxStaleness (5s) must be longer than pollInterval (5s)"),
                arguments("pollInterval: 1m\n" + RABBIT, "pollInterval",
                        "maxStaleness (30s) must be longer than pollInterval (1m)"),
                arguments("pollIntervall: 5s\n" + RABBIT, "pollIntervall", "unknown key; did you mean pollInterval?"),
                arguments("source:\n  - name: x\n", "source", "unknown key; did you mean sources?"),
                arguments("queues: [a]\n" + RABBIT, "queues", "belongs inside an entry of sources:"),
                arguments("colour: blue\n" + RABBIT, "colour", "unknown key; the top level has only"),
                // name
                arguments("sources:\n  - type: rq\n    uri: redis://h\n    queues: [a]\n", "sources[0].name", "required"),
                arguments(replacing(RABBIT, "name", "nme: rabbit"), "sources[0].nme", "unknown key; did you mean name?"),
                arguments(replacing(RABBIT, "name", "name:"), "sources[0].name", "has no value"),
                arguments(replacing(RABBIT, "name", "name: ''"), "sources[0].name", "must not be empty"),
                arguments(replacing(RABBIT, "name", "name: Rabbit"), "sources[0].name",
                        "'Rabbit' may contain only lower-case letters, digits and '-'"),
                arguments(replacing(RABBIT, "name", "name: rab_bit"), "sources[0].name", "may contain only"),
                arguments(replacing(RABBIT, "name", "name: -rabbit"), "sources[0].name", "must start and end"),
                arguments(replacing(RABBIT, "name", "name: " + "a".repeat(64)), "sources[0].name", "at most 63"),
                arguments(replacing(RABBIT, "name", "name: 42"), "sources[0].name", "put the value in quotes"),
                arguments(RABBIT + RABBIT.replace("sources:\n", ""), "sources[1].name",
                        "'rabbit' is already the name of sources[0]"),
                // type
                arguments(replacing(RABBIT, "type", null), "sources[0].type", "required: one of celery-redis, pulp, rabbitmq, rq"),
                arguments(replacing(RABBIT, "type", "type: kafka"), "sources[0].type", "'kafka' is not a source type"),
                // rabbitmq URIs and vhosts
                arguments(replacing(RABBIT, "amqpUri", null), "sources[0].amqpUri", "required"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: http://localhost:5672"), "sources[0].amqpUri",
                        "must be a URI starting with amqp:// or amqps://"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: localhost:5672"), "sources[0].amqpUri",
                        "must be a URI starting with amqp:// or amqps://"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: amqp:///%2F"), "sources[0].amqpUri", "has no host name"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: amqp://h:99999/"), "sources[0].amqpUri", "out of range"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: amqp://h/a b"), "sources[0].amqpUri", "not a valid URI"),
                arguments(replacing(RABBIT, "amqpUri", "amqpUri: amqp://h/a/b"), "sources[0].amqpUri", "single vhost name"),
                arguments(with(replacing(RABBIT, "amqpUri", "amqpUri: amqp://h/a/b"), "vhosts: [a]"),
                        "sources[0].amqpUri", "single vhost name"),
                arguments(with(RABBIT, "managementUri: amqp://localhost:15672"), "sources[0].managementUri",
                        "must be a URI starting with http:// or https://"),
                arguments(with(RABBIT, "vhosts: []"), "sources[0].vhosts", "must be a non-empty list of vhost names"),
                arguments(with(RABBIT, "vhosts: [a, '']"), "sources[0].vhosts[1]", "must not be empty"),
                arguments(with(RABBIT, "vhosts: [a, a]"), "sources[0].vhosts[1]", "'a' is listed twice"),
                // redis URIs
                arguments(replacing(REDIS, "uri", null), "sources[0].uri", "required"),
                arguments(replacing(RQ, "uri", "uri: http://localhost:6379"), "sources[0].uri",
                        "must be a URI starting with redis:// or rediss://"),
                arguments(replacing(REDIS, "uri", "uri: redis://localhost:6379/abc"), "sources[0].uri", "database number"),
                arguments(replacing(REDIS, "uri", "uri: redis://localhost:6379/0/1"), "sources[0].uri", "database number"),
                arguments(replacing(RQ, "uri", "uri: redis://secret@localhost:6379/1"), "sources[0].uri",
                        "user:password or :password"),
                // queues / queuePattern
                arguments(replacing(RABBIT, "queues", null), "sources[0].queues",
                        "required: a non-empty list of queue names (or queuePattern: a regex)"),
                arguments(replacing(RABBIT, "queues", "queues: celery"), "sources[0].queues",
                        "must be a non-empty list of queue names"),
                arguments(replacing(RABBIT, "queues", "queues: []"), "sources[0].queues",
                        "must be a non-empty list of queue names"),
                arguments(replacing(RABBIT, "queues", "queues: [a, '']"), "sources[0].queues[1]", "must not be empty"),
                arguments(replacing(RABBIT, "queues", "queues: [a, ' ']"), "sources[0].queues[1]", "must not be empty"),
                arguments(replacing(RABBIT, "queues", "queues: [a, b, a]"), "sources[0].queues[2]", "'a' is listed twice"),
                arguments(replacing(RABBIT, "queues", "queues: [a, 1]"), "sources[0].queues[1]", "put the value in quotes"),
                arguments(replacing(RABBIT, "queues", "queues: [a, {b: c}]"), "sources[0].queues[1]", "not a mapping"),
                arguments(with(RABBIT, "queuePattern: '^c.*'"), "sources[0].queuePattern",
                        "give either queues or queuePattern, not both"),
                arguments(replacing(RABBIT, "queues", "queuePattern: '('"), "sources[0].queuePattern",
                        "not a valid regular expression"),
                arguments(replacing(RABBIT, "queues", "queuePattern: ''"), "sources[0].queuePattern", "must not be empty"),
                arguments(replacing(RABBIT, "queues", "queuePattern: '^celery'"), "sources[0].queuePattern",
                        "needs managementUri for rabbitmq"),
                // prometheusUri
                arguments(with(RABBIT, "prometheusUri: http://localhost:15692"), "sources[0].prometheusUri",
                        "needs managementUri (queues missing from the scrape are looked up there)"),
                arguments(with(RABBIT, "managementUri: http://localhost:15672", "prometheusUri: localhost:15692"),
                        "sources[0].prometheusUri", "must be a URI starting with http:// or https://"),
                arguments(with(REDIS, "prometheusUri: http://localhost:15692"), "sources[0].prometheusUri",
                        "only for type rabbitmq"),
                // maxQueues
                arguments(with(REDIS, "maxQueues: 100"), "sources[0].maxQueues", "only with queuePattern"),
                arguments(with(replacing(RQ, "queues", "queuePattern: '^a'"), "maxQueues: 0"), "sources[0].maxQueues",
                        "'0' is not a number of queues from 1 to 1000000"),
                arguments(with(replacing(RQ, "queues", "queuePattern: '^a'"), "maxQueues: many"), "sources[0].maxQueues",
                        "'many' is not a number of queues from 1 to 1000000"),
                arguments(with(replacing(RQ, "queues", "queuePattern: '^a'"), "maxQueues: [1]"), "sources[0].maxQueues",
                        "a number of queues from 1 to 1000000"),
                // workers
                arguments(with(RABBIT, "workers: rq"), "sources[0].workers", "type rabbitmq has celery workers, not rq"),
                arguments(with(REDIS, "workers: rq"), "sources[0].workers", "type celery-redis has celery workers, not rq"),
                arguments(with(RQ, "workers: celery"), "sources[0].workers", "type rq has rq workers, not celery"),
                arguments(with(RQ, "workers: sidekiq"), "sources[0].workers", "'sidekiq' is not a worker kind"),
                arguments(with(RQ, "workers: rq", "podWorkerTemplate: worker-1"), "sources[0].podWorkerTemplate",
                        "must contain {pod}"),
                arguments(with(RQ, "podWorkerTemplate: '{pod}'"), "sources[0].podWorkerTemplate",
                        "only with workers: celery, rq or pulp"),
                // workerReplyTimeout
                arguments(with(RABBIT, "workerReplyTimeout: 1s"), "sources[0].workerReplyTimeout",
                        "only with workers: celery"),
                arguments(with(RABBIT, "workers: celery", "workerReplyTimeout: 2"), "sources[0].workerReplyTimeout",
                        "needs a unit"),
                arguments(with(RABBIT, "workers: celery", "workerReplyTimeout: 0s"), "sources[0].workerReplyTimeout",
                        "must be longer than 0"),
                arguments(with(RABBIT, "workers: celery", "workerReplyTimeout: 30s"), "sources[0].workerReplyTimeout",
                        "must be shorter than maxStaleness (30s)"),
                arguments(with(RQ, "workers: rq", "workerReplyTimeout: 1s"), "sources[0].workerReplyTimeout",
                        "only for types celery-redis, rabbitmq"),
                // namespaces
                arguments(with(RABBIT, "namespaces: []"), "sources[0].namespaces", "omit the key to allow every namespace"),
                arguments(with(RABBIT, "namespaces: workers"), "sources[0].namespaces", "must be a non-empty list"),
                arguments(with(RABBIT, "namespaces: [ok, Bad_NS]"), "sources[0].namespaces[1]", "'Bad_NS' is not a namespace name"),
                arguments(with(RABBIT, "namespaces: [ok, ok]"), "sources[0].namespaces[1]", "listed twice"),
                // per-source durations
                arguments(with(RABBIT, "pollInterval: 40s"), "sources[0].pollInterval",
                        "maxStaleness (30s) must be longer than pollInterval (40s)"),
                arguments(with(RABBIT, "maxStaleness: 2s"), "sources[0].maxStaleness",
                        "maxStaleness (2s) must be longer than pollInterval (5s)"),
                arguments(with(RABBIT, "pollInterval: 10"), "sources[0].pollInterval", "needs a unit"),
                // keys of other types
                arguments(with(RABBIT, "prioritySteps: [0, 3]"), "sources[0].prioritySteps", "only for type celery-redis"),
                arguments(with(RQ, "separator: ':'"), "sources[0].separator", "only for type celery-redis"),
                arguments(with(RABBIT, "keyPrefix: x"), "sources[0].keyPrefix", "only for type celery-redis"),
                arguments(with(REDIS, "vhosts: [a]"), "sources[0].vhosts", "only for type rabbitmq"),
                arguments(with(RQ, "amqpUri: amqp://localhost"), "sources[0].amqpUri", "only for type rabbitmq"),
                arguments(with(RQ, "managementUri: http://localhost"), "sources[0].managementUri", "only for type rabbitmq"),
                arguments(with(RABBIT, "uri: redis://localhost"), "sources[0].uri",
                        "only for types celery-redis, pulp, rq; for rabbitmq did you mean amqpUri?"),
                // celery-redis transport options
                arguments(with(REDIS, "prioritySteps: []"), "sources[0].prioritySteps", "non-empty ascending list"),
                arguments(with(REDIS, "prioritySteps: [0, 6, 3]"), "sources[0].prioritySteps", "ascending order"),
                arguments(with(REDIS, "prioritySteps: [0, 3, 3]"), "sources[0].prioritySteps[2]", "listed twice"),
                arguments(with(REDIS, "prioritySteps: [0, 300]"), "sources[0].prioritySteps[1]",
                        "'300' is not a priority from 0 to 255"),
                arguments(with(REDIS, "prioritySteps: [-1, 3]"), "sources[0].prioritySteps[0]", "'-1' is not a priority"),
                arguments(with(REDIS, "prioritySteps: [0, x]"), "sources[0].prioritySteps[1]", "'x' is not a priority"),
                arguments(with(REDIS, "separator: ''"), "sources[0].separator", "must not be empty"),
                arguments(with(REDIS, "keyPrefix: [a]"), "sources[0].keyPrefix", "not a list"),
                // unknown keys
                arguments(with(RABBIT, "queue: [x]"), "sources[0].queue", "unknown key; did you mean queues?"),
                arguments(with(RABBIT, "worker: celery"), "sources[0].worker", "unknown key; did you mean workers?"),
                arguments(with(RABBIT, "management_uri: http://h"), "sources[0].management_uri",
                        "unknown key; did you mean managementUri?"),
                arguments(with(REDIS, "priority_steps: [0]"), "sources[0].priority_steps",
                        "unknown key; did you mean prioritySteps?"),
                arguments(with(RQ, "url: redis://h"), "sources[0].url", "unknown key; did you mean uri?"),
                arguments(with(RQ, "colour: blue"), "sources[0].colour", "unknown key"));
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource("invalidConfigs")
    void reportsTheBrokenFieldByItsPath(String yaml, String path, String fragment) {
        assertThat(problems(yaml)).singleElement().satisfies(line -> {
            assertThat(line).startsWith(path + ": ");
            assertThat(line).contains(fragment);
        });
    }

    @Test
    void unknownKeyWithoutAnyCloseMatchHasNoSuggestion() {
        assertThat(problems(with(RQ, "colour: blue"))).containsExactly("sources[0].colour: unknown key");
    }

    @Test
    void collectsEveryProblemOfEverySourceInFileOrder() {
        String yaml = """
                pollInterval: 5
                maxStaleness: ${STALE}
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: http://localhost
                    queues: []
                    workers: rq
                  - name: Redis
                    type: celery-redis
                    uri: redis://localhost/0
                    queue: [celery]
                  - name: rabbit
                    type: nats
                    queues: [a]
                  - type: rq
                    queues: ['${Q}']
                """;
        assertThat(problems(yaml)).containsExactly(
                "pollInterval: '5' needs a unit: ms, s, m or h (e.g. 5s)",
                "maxStaleness: environment variable STALE is not set (set it, or give a default: ${STALE:-value})",
                "sources[0].amqpUri: must be a URI starting with amqp:// or amqps://",
                "sources[0].queues: must be a non-empty list of queue names",
                "sources[0].workers: type rabbitmq has celery workers, not rq",
                "sources[1].name: 'Redis' may contain only lower-case letters, digits and '-'",
                "sources[1].queue: unknown key; did you mean queues?",
                "sources[2].name: 'rabbit' is already the name of sources[0]; names must be unique",
                "sources[2].type: 'nats' is not a source type; use one of celery-redis, pulp, rabbitmq, rq",
                "sources[3].queues[0]: environment variable Q is not set (set it, or give a default: ${Q:-value})",
                "sources[3].name: required: the source name ([a-z0-9-]+)",
                "sources[3].uri: required: a URI such as redis://host:6379/0 (:password@ before the host)");
    }

    @Test
    void aTypoOfARequiredKeyIsReportedOnceAsTheTypo() {
        assertThat(problems(replacing(RABBIT, "queues", "queue: [celery]")))
                .containsExactly("sources[0].queue: unknown key; did you mean queues?");
        assertThat(problems("source:\n  - name: x\n"))
                .containsExactly("source: unknown key; did you mean sources?");
    }

    @Test
    void aDuplicateYamlKeyNamesLineAndKey() {
        String yaml = RABBIT + "    queues: [other]\n";
        assertThat(problems(yaml)).singleElement().asString()
                .matches("line 6, column \\d+: key 'queues' appears twice in the same mapping");
    }

    @Test
    void aYamlSyntaxErrorGivesLineAndColumn() {
        assertThat(problems("sources:\n  - name: [a, b\n    type: rq\n")).singleElement().asString()
                .startsWith("line 3, column ").contains("invalid YAML");
    }

    @Test
    void tabsInIndentationAreASyntaxError() {
        assertThat(problems("sources:\n\t- name: a\n")).singleElement().asString()
                .startsWith("line 2, column 1: invalid YAML").contains("TAB");
    }

    @Test
    void aSecondYamlDocumentIsRejected() {
        assertThat(problems(RABBIT + "---\n" + RQ)).singleElement().asString()
                .contains("only one YAML document is allowed");
    }

    @Test
    void anEmptyFileSaysWhatIsMissing() {
        assertThat(problems("")).containsExactly("the configuration is empty; it needs at least a sources: list");
        assertThat(problems("# only a comment\n"))
                .containsExactly("the configuration is empty; it needs at least a sources: list");
        assertThat(problems("just text\n")).singleElement().asString().contains("must be a mapping");
    }
}
