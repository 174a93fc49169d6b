package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Validates one entry of {@code sources:} into a {@link SourceConfig}. */
final class SourceParser {

    /** A Kubernetes label value / DNS label: the source name becomes the label source=NAME. */
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern NAME_CHARS = Pattern.compile("[a-z0-9-]+");
    private static final int MAX_LABEL_LENGTH = 63;
    private static final int MAX_PRIORITY = 255;

    private SourceParser() {
    }

    /**
     * @param globalPoll      the top-level pollInterval, empty when it is itself invalid
     * @param globalStaleness the top-level maxStaleness, empty when it is itself invalid
     * @return the source, or null when it has problems (all of them recorded)
     */
    static SourceConfig parse(JsonNode node, String path, Optional<Duration> globalPoll,
                              Optional<Duration> globalStaleness, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, Fields.mustBe(node, "a mapping with name, type, ... (one source)"));
            return null;
        }
        Fields f = new Fields(node, path, problems);
        SourceType type = type(f);
        checkKeys(node, f, type);

        Optional<String> name = f.string("name", true, "the source name ([a-z0-9-]+)")
                .filter(n -> checkName(n, f));
        RabbitMqKeys rabbit = type == SourceType.RABBITMQ ? RabbitMqKeys.parse(f) : RabbitMqKeys.NONE;
        Optional<URI> redisUri = Optional.empty();
        if (type == SourceType.CELERY_REDIS || type == SourceType.RQ) {
            redisUri = f.string("uri", true, "a URI such as redis://host:6379/0 (:password@ before the host)")
                    .flatMap(s -> ConfigUris.parse(s, List.of("redis", "rediss"), f.path("uri"), problems))
                    .filter(u -> ConfigUris.checkRedis(u, f.path("uri"), problems));
        }

        Optional<List<String>> queues = f.list("queues", false, "a non-empty list of queue names",
                Fields.nonBlankString(problems, "a queue name"));
        Optional<Pattern> queuePattern = queuePattern(f);
        if (type == SourceType.PULP) {
            queues = Optional.of(List.of(PulpSettings.SINGLE_ITEM)); // only groupBy: none uses it (fixedQueues)
        } else if (!f.has("queues") && !f.has("queuePattern")) {
            f.problem("queues", "required: a non-empty list of queue names (or queuePattern: a regex)");
        } else if (f.has("queues") && f.has("queuePattern")) {
            f.problem("queuePattern", "give either queues or queuePattern, not both");
        } else if (type == SourceType.RABBITMQ && f.has("queuePattern") && !f.has("managementUri")) {
            // AMQP cannot list queues: discovery reads the management API's queue list.
            f.problem("queuePattern", "needs managementUri for rabbitmq (AMQP cannot list queues)");
        }

        int maxQueues = maxQueues(node, f);

        Optional<WorkerKind> workers = workers(f, type);
        Optional<List<String>> namespaces = f.list("namespaces", false,
                "a non-empty list of namespace names (omit the key to allow every namespace)",
                (n, p) -> namespace(n, p, problems));
        Optional<Duration> poll = f.has("pollInterval") ? f.duration("pollInterval") : globalPoll;
        Optional<Duration> staleness = f.has("maxStaleness") ? f.duration("maxStaleness") : globalStaleness;
        checkStaleness(f, poll, staleness);
        Optional<PulpSettings> pulp = type == SourceType.PULP ? PulpSourceParser.parse(node, f, staleness) : Optional.empty();

        Optional<List<Integer>> prioritySteps = Optional.empty();
        Optional<String> separator = Optional.empty();
        Optional<String> keyPrefix = Optional.empty();
        if (type == SourceType.CELERY_REDIS) {
            prioritySteps = prioritySteps(f);
            separator = f.string("separator", false, "kombu's queue/priority separator");
            if (f.has("separator") && separator.isEmpty() && !f.problems().has(f.path("separator"))) {
                f.problem("separator", "must not be empty (Celery's default is \"\\x06\\x16\")");
            }
            keyPrefix = f.stringAllowEmpty("keyPrefix", "kombu's global_keyprefix");
        }

        List<URI> uris = new java.util.ArrayList<>(rabbit.uris());
        redisUri.ifPresent(uris::add);
        boolean urisValid = type != null && !problems.has(f.path("amqpUri")) && !problems.has(f.path("managementUri"))
                && !problems.has(f.path("prometheusUri")) && !problems.has(f.path("uri"));
        Optional<Path> tlsCaFile = ConfigTls.caFile(f, uris, urisValid);

        Optional<String> podWorkerTemplate = f.string("podWorkerTemplate", false,
                "a worker name with {pod} in it, e.g. celery@{pod}");
        if (podWorkerTemplate.isPresent() && !podWorkerTemplate.get().contains("{pod}")) {
            f.problem("podWorkerTemplate", "must contain {pod} (the pod name), e.g. celery@{pod}");
        }
        if (podWorkerTemplate.isPresent() && workers.orElse(WorkerKind.NONE) == WorkerKind.NONE) {
            f.problem("podWorkerTemplate", "only with workers: celery, rq or pulp (probes need worker tracking)");
        }

        Optional<Duration> replyTimeout = workerReplyTimeout(f, workers, staleness);

        if (type == null || problems.hasUnder(path) || poll.isEmpty() || staleness.isEmpty()) {
            return null; // every cause has been reported (an invalid global duration at the top level)
        }
        return new SourceConfig(name.orElseThrow(), type, rabbit.amqpUri().orElse(null),
                rabbit.managementUri().orElse(null), rabbit.vhosts().orElse(List.of()), redisUri.orElse(null), queues.orElse(List.of()),
                queuePattern.orElse(null), workers.orElse(WorkerKind.NONE), namespaces.orElse(List.of()),
                poll.orElseThrow(), staleness.orElseThrow(), prioritySteps.orElse(null),
                separator.orElse(null), keyPrefix.orElse(null), podWorkerTemplate.orElse(null), maxQueues,
                replyTimeout.orElse(null), tlsCaFile.orElse(null), pulp.orElse(null), rabbit.prometheusUri().orElse(null));
    }

    /** {@code maxQueues}: only with queuePattern, an integer 1..1,000,000; 0 (the default) when absent or invalid. */
    private static int maxQueues(JsonNode source, Fields f) {
        if (!f.has("maxQueues")) {
            return 0;
        }
        JsonNode node = source.get("maxQueues");
        if (node.isTextual() && node.textValue().matches("\\d{1,7}")) { // from ${VAR} interpolation
            node = IntNode.valueOf(Integer.parseInt(node.textValue()));
        }
        if (!node.isInt() || node.intValue() < 1 || node.intValue() > MAX_MAX_QUEUES) {
            f.problem("maxQueues", node.isValueNode() && !node.isNull()
                    ? "'" + node.asText() + "' is not a number of queues from 1 to " + MAX_MAX_QUEUES
                    : Fields.mustBe(node, "a number of queues from 1 to " + MAX_MAX_QUEUES));
            return 0;
        }
        if (!f.has("queuePattern")) {
            f.problem("maxQueues", "only with queuePattern (it caps discovery; a queues: list is its own limit)");
        }
        return node.intValue();
    }

    /**
     * How long a poll waits for Celery workers' answers: only with {@code workers: celery}, and
     * shorter than maxStaleness (a poll that waits longer is stale when it ends).
     */
    private static Optional<Duration> workerReplyTimeout(Fields f, Optional<WorkerKind> workers,
                                                        Optional<Duration> staleness) {
        if (!f.has("workerReplyTimeout")) {
            return Optional.empty();
        }
        Optional<Duration> timeout = f.duration("workerReplyTimeout");
        if (timeout.isEmpty()) {
            return timeout;
        }
        if (workers.orElse(WorkerKind.NONE) != WorkerKind.CELERY) {
            f.problem("workerReplyTimeout", "only with workers: celery (the adapter then asks the workers each poll)");
            return Optional.empty();
        }
        if (staleness.isPresent() && timeout.get().compareTo(staleness.get()) >= 0) {
            f.problem("workerReplyTimeout", "must be shorter than maxStaleness (" + Durations.format(staleness.get())
                    + "); Celery's default is 1s");
            return Optional.empty();
        }
        return timeout;
    }

    private static SourceType type(Fields f) {
        Optional<String> text = f.string("type", true, "one of " + typeNames());
        if (text.isEmpty()) {
            return null;
        }
        Optional<SourceType> type = SourceType.fromConfigName(text.get());
        if (type.isEmpty()) {
            f.problem("type", "'" + text.get() + "' is not a source type; use one of " + typeNames());
        }
        return type.orElse(null);
    }

    private static String typeNames() {
        return String.join(", ", Arrays.stream(SourceType.values())
                .map(SourceType::configName).sorted().toList());
    }

    /** Unknown keys (with a suggestion) and keys of another source type. */
    private static void checkKeys(JsonNode node, Fields f, SourceType type) {
        List<String> allowed = ConfigKeys.sourceKeysFor(type);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            Set<SourceType> types = ConfigKeys.SOURCE_KEYS.get(key);
            if (types == null) {
                Optional<String> suggestion = KeySuggestions.closest(key, allowed);
                f.problem(key, "unknown key" + suggestion.map(s -> "; did you mean " + s + "?").orElse(""));
                suggestion.filter(s -> !node.has(s)).ifPresent(s -> f.problems().explained(f.path(s)));
            } else if (type != null && !types.contains(type)) {
                f.problem(key, "only for " + ConfigKeys.describeTypes(types)
                        + KeySuggestions.closest(key, allowed).map(s -> "; for " + type.configName()
                        + " did you mean " + s + "?").orElse(""));
            }
        }
    }

    private static boolean checkName(String name, Fields f) {
        if (!NAME_CHARS.matcher(name).matches()) {
            f.problem("name", "'" + name + "' may contain only lower-case letters, digits and '-'");
            return false;
        }
        if (!DNS_LABEL.matcher(name).matches() || name.length() > MAX_LABEL_LENGTH) {
            f.problem("name", "'" + name + "' must start and end with a letter or digit and be at most "
                    + MAX_LABEL_LENGTH + " characters (it becomes the label source=" + name + ")");
            return false;
        }
        return true;
    }

    private static Optional<Pattern> queuePattern(Fields f) {
        Optional<String> regex = f.string("queuePattern", f.has("queuePattern"),
                "a Java regular expression over queue names");
        if (regex.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(regex.get()));
        } catch (PatternSyntaxException e) {
            f.problem("queuePattern", "not a valid regular expression: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : ""));
            return Optional.empty();
        }
    }

    private static Optional<WorkerKind> workers(Fields f, SourceType type) {
        Optional<String> text = f.string("workers", false, "celery, rq, pulp or none");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<WorkerKind> kind = WorkerKind.fromConfigName(text.get());
        if (kind.isEmpty()) {
            f.problem("workers", "'" + text.get() + "' is not a worker kind; use celery, rq, pulp or none");
            return Optional.empty();
        }
        WorkerKind expected = type == SourceType.RQ ? WorkerKind.RQ
                : type == SourceType.PULP ? WorkerKind.PULP : WorkerKind.CELERY;
        if (type != null && kind.get() != WorkerKind.NONE && kind.get() != expected) {
            f.problem("workers", "type " + type.configName() + " has " + expected.configName()
                    + " workers, not " + kind.get().configName());
            return Optional.empty();
        }
        return kind;
    }

    private static String namespace(JsonNode node, String path, Problems problems) {
        if (!node.isTextual()) {
            problems.add(path, Fields.mustBe(node, "a namespace name"));
            return null;
        }
        String ns = node.textValue();
        if (!DNS_LABEL.matcher(ns).matches() || ns.length() > MAX_LABEL_LENGTH) {
            problems.add(path, "'" + ns + "' is not a namespace name (a DNS label: lower-case letters,"
                    + " digits and '-', at most " + MAX_LABEL_LENGTH + " characters)");
            return null;
        }
        return ns;
    }

    private static void checkStaleness(Fields f, Optional<Duration> poll, Optional<Duration> staleness) {
        if (poll.isEmpty() || staleness.isEmpty() || staleness.get().compareTo(poll.get()) > 0) {
            return;
        }
        // A source that overrides neither was already reported at the top level.
        String both = "maxStaleness (" + Durations.format(staleness.get()) + ") must be longer than pollInterval ("
                + Durations.format(poll.get()) + "), or every poll makes the values stale";
        if (f.has("maxStaleness")) {
            f.problem("maxStaleness", both);
        } else if (f.has("pollInterval")) {
            f.problem("pollInterval", both);
        }
    }

    /**
     * kombu reads the keys {@code queue} (step 0) and {@code queue + sep + step} for every step and
     * maps a message priority to a step with bisect, so the steps must be ascending; Redis
     * priorities are 0..255 at most.
     */
    /** The highest maxQueues accepted: beyond it a pattern is not a selection but the whole broker. */
    static final int MAX_MAX_QUEUES = 1_000_000;

    private static Optional<List<Integer>> prioritySteps(Fields f) {
        Optional<List<Integer>> steps = f.list("prioritySteps", false,
                "a non-empty ascending list of priorities 0.." + MAX_PRIORITY + " (Celery's default is [0, 3, 6, 9])",
                (n, p) -> priority(n, p, f.problems()));
        if (steps.isPresent()) {
            List<Integer> s = steps.get();
            for (int i = 1; i < s.size(); i++) {
                if (s.get(i) <= s.get(i - 1)) {
                    f.problem("prioritySteps", "must be in ascending order, e.g. [0, 3, 6, 9]");
                    return Optional.empty();
                }
            }
        }
        return steps;
    }

    private static Integer priority(JsonNode node, String path, Problems problems) {
        if (node.isTextual() && node.textValue().matches("\\d{1,3}")) {
            node = IntNode.valueOf(Integer.parseInt(node.textValue()));
        }
        if (!node.isInt() || node.intValue() < 0 || node.intValue() > MAX_PRIORITY) {
            problems.add(path, node.isValueNode() && !node.isNull()
                    ? "'" + node.asText() + "' is not a priority from 0 to " + MAX_PRIORITY
                    : Fields.mustBe(node, "a priority from 0 to " + MAX_PRIORITY));
            return null;
        }
        return node.intValue();
    }
}
