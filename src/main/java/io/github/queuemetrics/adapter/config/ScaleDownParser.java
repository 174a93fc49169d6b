package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Validates the {@code scaleDown:} section into a {@link ScaleDownConfig}. */
final class ScaleDownParser {

    static final List<String> KEYS = List.of("drainTimeout", "undoAfter", "workloads");
    static final List<String> WORKLOAD_KEYS = List.of("kind", "namespace", "name", "source", "workerName");
    /** RFC 1123 subdomain, as Kubernetes requires of StatefulSet and Deployment names. */
    private static final Pattern SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int MAX_NAME_LENGTH = 253;
    private static final int MAX_LABEL_LENGTH = 63;
    /** The HPA controller's default sync period: a denied scale-down is asked again this often. */
    private static final Duration HPA_SYNC_PERIOD = Duration.ofSeconds(15);

    private ScaleDownParser() {
    }

    /**
     * @param sources the valid sources by name (a workload's source must be one with workers:)
     * @return the section, or null when absent or invalid (problems recorded)
     */
    static ScaleDownConfig parse(JsonNode node, Map<String, SourceConfig> sources, boolean sourcesValid,
                                 Problems problems) {
        String path = "scaleDown";
        if (!node.isObject()) {
            problems.add(path, Fields.mustBe(node, "a mapping with drainTimeout, undoAfter and workloads"));
            return null;
        }
        Fields f = new Fields(node, path, problems);
        unknownKeys(node, f, KEYS);
        Optional<Duration> drainTimeout = f.has("drainTimeout") ? f.duration("drainTimeout")
                : Optional.of(ScaleDownConfig.DEFAULT_DRAIN_TIMEOUT);
        Optional<Duration> undoAfter = f.has("undoAfter") ? f.duration("undoAfter")
                : Optional.of(ScaleDownConfig.DEFAULT_UNDO_AFTER);
        if (undoAfter.isPresent() && undoAfter.get().compareTo(HPA_SYNC_PERIOD) <= 0) {
            f.problem("undoAfter", "must be longer than the HPA's sync period (15s): a denied scale-down is "
                    + "asked again every 15s, and its drain must not be undone in between (e.g. 45s)");
        }
        List<ScaleDownConfig.Workload> workloads = workloads(f, sources, sourcesValid);
        if (problems.hasUnder(path) || drainTimeout.isEmpty() || undoAfter.isEmpty()) {
            return null;
        }
        return new ScaleDownConfig(drainTimeout.get(), undoAfter.get(), workloads);
    }

    private static List<ScaleDownConfig.Workload> workloads(Fields f, Map<String, SourceConfig> sources,
                                                            boolean sourcesValid) {
        Map<String, Integer> firstByKey = new HashMap<>();
        return f.list("workloads", true, "a non-empty list of workloads (each with kind, namespace, name, source)",
                (node, path) -> {
                    ScaleDownConfig.Workload w = workload(node, path, sources, sourcesValid, f.problems());
                    if (w != null) {
                        Integer first = firstByKey.putIfAbsent(w.describe(), indexOf(path));
                        if (first != null) {
                            f.problems().add(path + ".name", w.describe() + " is already workloads[" + first + "]");
                            return null;
                        }
                    }
                    return w;
                }).orElse(List.of());
    }

    private static int indexOf(String elementPath) {
        return Integer.parseInt(elementPath.substring(elementPath.lastIndexOf('[') + 1, elementPath.length() - 1));
    }

    private static ScaleDownConfig.Workload workload(JsonNode node, String path, Map<String, SourceConfig> sources,
                                                     boolean sourcesValid, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, Fields.mustBe(node, "a mapping with kind, namespace, name and source (one workload)"));
            return null;
        }
        Fields f = new Fields(node, path, problems);
        unknownKeys(node, f, WORKLOAD_KEYS);
        Optional<WorkloadKind> kind = f.string("kind", true, "StatefulSet or Deployment")
                .flatMap(k -> {
                    Optional<WorkloadKind> known = WorkloadKind.fromConfigName(k);
                    if (known.isEmpty()) {
                        f.problem("kind", "'" + k + "' is not a workload kind; use StatefulSet or Deployment");
                    }
                    return known;
                });
        Optional<String> namespace = f.string("namespace", true, "the workload's namespace")
                .filter(ns -> check(f, "namespace", ns, SourceParser.DNS_LABEL, MAX_LABEL_LENGTH,
                        "a namespace name (a DNS label: lower-case letters, digits and '-')"));
        Optional<String> name = f.string("name", true, "the workload's name")
                .filter(n -> check(f, "name", n, SUBDOMAIN, MAX_NAME_LENGTH,
                        "a workload name (lower-case letters, digits, '-' and '.')"));
        Optional<SourceConfig> source = f.string("source", true, "the name of a source with workers:")
                .flatMap(s -> source(f, s, sources, sourcesValid));
        Optional<String> workerName = f.string("workerName", false, "a worker name with {pod} in it, e.g. celery@{pod}");
        if (workerName.isPresent() && !workerName.get().contains("{pod}")) {
            f.problem("workerName", "must contain {pod} (the pod name), e.g. celery@{pod}");
        }
        if (problems.hasUnder(path) || kind.isEmpty() || source.isEmpty()) {
            return null;
        }
        return new ScaleDownConfig.Workload(kind.get(), namespace.orElseThrow(), name.orElseThrow(),
                source.get().name(), workerName.orElse(source.get().podWorkerTemplate()));
    }

    private static Optional<SourceConfig> source(Fields f, String name, Map<String, SourceConfig> sources,
                                                 boolean sourcesValid) {
        SourceConfig source = sources.get(name);
        if (source == null) {
            if (sourcesValid) {
                f.problem("source", "'" + name + "' is not a source; the sources are "
                        + String.join(", ", sources.keySet()));
            }
            // else: the source may be one of the invalid ones, already reported
            return Optional.empty();
        }
        if (source.workers() == WorkerKind.NONE) {
            f.problem("source", "source '" + name + "' has no workers: (set workers: celery, rq or pulp on it): "
                    + "the hook drains the workers it tracks");
            return Optional.empty();
        }
        return Optional.of(source);
    }

    private static boolean check(Fields f, String key, String value, Pattern pattern, int maxLength, String what) {
        if (!pattern.matcher(value).matches() || value.length() > maxLength) {
            f.problem(key, "'" + value + "' is not " + what + ", at most " + maxLength + " characters");
            return false;
        }
        return true;
    }

    private static void unknownKeys(JsonNode node, Fields f, List<String> allowed) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                unknown.add(key);
            }
        }
        for (String key : unknown) {
            Optional<String> suggestion = KeySuggestions.closest(key, allowed);
            f.problem(key, "unknown key" + suggestion.map(s -> "; did you mean " + s + "?")
                    .orElse("; known keys: " + String.join(", ", allowed)));
            suggestion.filter(s -> !node.has(s)).ifPresent(s -> f.problems().explained(f.path(s)));
        }
    }
}
