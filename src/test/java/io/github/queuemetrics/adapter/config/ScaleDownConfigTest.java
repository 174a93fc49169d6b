package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.queuemetrics.adapter.cli.CheckConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code scaleDown:} section: defaults, every rule with a field-named problem, --check-config. */
class ScaleDownConfigTest {

    static final String SOURCES = """
            sources:
              - name: rabbit
                type: rabbitmq
                amqpUri: amqp://guest:guest@localhost:5672/%2F
                queues: [celery]
                workers: celery
              - name: plain
                type: rabbitmq
                amqpUri: amqp://guest:guest@localhost:5672/%2F
                queues: [other]
              - name: rq
                type: rq
                uri: redis://localhost:6379/1
                queues: [default]
                workers: rq
            """;

    static final String VALID = SOURCES + """
            scaleDown:
              drainTimeout: 5m
              undoAfter: 1m
              workloads:
                - kind: StatefulSet
                  namespace: workers
                  name: celery-workers
                  source: rabbit
                - kind: Deployment
                  namespace: workers
                  name: rq-workers
                  source: rq
                  workerName: "rq-{pod}"
            """;

    static final String MINIMAL = SOURCES + """
            scaleDown:
              workloads:
                - {kind: StatefulSet, namespace: workers, name: w, source: rabbit}
            """;

    @Test
    void parsesEveryFieldAndFillsWorkerNameFromTheSource() throws Exception {
        ScaleDownConfig s = ConfigLoader.parse(VALID, Map.of()).scaleDownHook().orElseThrow();

        assertThat(s.drainTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.undoAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.workloads()).containsExactly(
                new ScaleDownConfig.Workload(WorkloadKind.STATEFUL_SET, "workers", "celery-workers", "rabbit",
                        "celery@{pod}"),
                new ScaleDownConfig.Workload(WorkloadKind.DEPLOYMENT, "workers", "rq-workers", "rq", "rq-{pod}"));
        assertThat(s.workload(WorkloadKind.STATEFUL_SET, "workers", "celery-workers")).isPresent();
        assertThat(s.workload(WorkloadKind.DEPLOYMENT, "workers", "celery-workers")).isEmpty();
        assertThat(s.workloads().get(0).workerOf("celery-workers-2")).isEqualTo("celery@celery-workers-2");
    }

    @Test
    void defaultsAndAbsentSection() throws Exception {
        ScaleDownConfig s = ConfigLoader.parse(MINIMAL, Map.of()).scaleDownHook().orElseThrow();
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.undoAfter()).isEqualTo(Duration.ofSeconds(45));
        assertThat(ConfigLoader.parse(SOURCES, Map.of()).scaleDownHook()).isEmpty();
    }

    @Test
    void sourceMustExistAndTrackWorkers() {
        assertThat(problems(MINIMAL.replace("source: rabbit", "source: nope"))).containsExactly(
                "scaleDown.workloads[0].source: 'nope' is not a source; the sources are rabbit, plain, rq");
        assertThat(problems(MINIMAL.replace("source: rabbit", "source: plain"))).containsExactly(
                "scaleDown.workloads[0].source: source 'plain' has no workers: (set workers: celery, rq or pulp on it):"
                        + " the hook drains the workers it tracks");
    }

    @Test
    void everyWorkloadFieldIsChecked() {
        assertThat(problems(MINIMAL.replace("kind: StatefulSet", "kind: statefulset"))).containsExactly(
                "scaleDown.workloads[0].kind: 'statefulset' is not a workload kind; use StatefulSet or Deployment");
        assertThat(problems(MINIMAL.replace("namespace: workers", "namespace: Workers"))).containsExactly(
                "scaleDown.workloads[0].namespace: 'Workers' is not a namespace name (a DNS label: lower-case "
                        + "letters, digits and '-'), at most 63 characters");
        assertThat(problems(MINIMAL.replace("name: w,", "name: W_1,"))).singleElement().asString()
                .startsWith("scaleDown.workloads[0].name: 'W_1' is not a workload name");
        assertThat(problems(MINIMAL.replace("source: rabbit}", "source: rabbit, workerName: celery@x}")))
                .containsExactly("scaleDown.workloads[0].workerName: must contain {pod} (the pod name), e.g. celery@{pod}");
        assertThat(problems(MINIMAL.replace("name: w,", ""))).containsExactly(
                "scaleDown.workloads[0].name: required: the workload's name");
    }

    @Test
    void unknownKeysAreRejectedWithASuggestion() {
        assertThat(problems(MINIMAL.replace("source: rabbit}", "source: rabbit, workername: \"x@{pod}\"}")))
                .containsExactly("scaleDown.workloads[0].workername: unknown key; did you mean workerName?");
        assertThat(problems(MINIMAL.replace("  workloads:", "  drainTimout: 5m\n  workloads:")))
                .containsExactly("scaleDown.drainTimout: unknown key; did you mean drainTimeout?");
        assertThat(problems(MINIMAL.replace("scaleDown:", "scaledown:"))).first().asString()
                .startsWith("scaledown: unknown key; did you mean scaleDown?");
    }

    @Test
    void durationsWorkloadListAndDuplicates() {
        assertThat(problems(MINIMAL.replace("  workloads:", "  drainTimeout: 10\n  workloads:")))
                .containsExactly("scaleDown.drainTimeout: '10' needs a unit: ms, s, m or h (e.g. 10s)");
        assertThat(problems(MINIMAL.replace("  workloads:", "  undoAfter: 10s\n  workloads:")))
                .singleElement().asString().startsWith("scaleDown.undoAfter: must be longer than the HPA's sync period");
        assertThat(problems(SOURCES + "scaleDown:\n  drainTimeout: 5m\n")).containsExactly(
                "scaleDown.workloads: required: a non-empty list of workloads (each with kind, namespace, name, source)");
        assertThat(problems(SOURCES + "scaleDown: on\n")).singleElement().asString()
                .startsWith("scaleDown: must be a mapping with drainTimeout, undoAfter and workloads");
        String twice = MINIMAL + "    - {kind: StatefulSet, namespace: workers, name: w, source: rq}\n";
        assertThat(problems(twice)).containsExactly(
                "scaleDown.workloads[1].name: StatefulSet workers/w is already workloads[0]");
    }

    @Test
    void checkConfigShowsTheSection() throws Exception {
        String out = CheckConfig.render(ConfigLoader.parse(VALID, Map.of()));
        assertThat(out).endsWith("""
                scaleDown:
                  drainTimeout: 5m
                  undoAfter: 1m
                  workloads:
                    - kind: StatefulSet
                      namespace: workers
                      name: celery-workers
                      source: rabbit
                      workerName: "celery@{pod}"
                    - kind: Deployment
                      namespace: workers
                      name: rq-workers
                      source: rq
                      workerName: "rq-{pod}"
                """);
        // and it reads back as the same configuration
        assertThat(ConfigLoader.parse(out, Map.of()).scaleDown())
                .isEqualTo(ConfigLoader.parse(VALID, Map.of()).scaleDown());
    }

    static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertThat(e).as("expected a ConfigException for:\n" + yaml).isNotNull();
        return e.problems();
    }
}
