package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration file, resolves {@code ${VAR}} references and validates every field.
 * All problems are collected and thrown together in one {@link ConfigException}, one line per
 * problem, each starting with the field path ({@code sources[1].queues: ...}).
 *
 * <p>Order of work: YAML is parsed into a tree first; then references are resolved inside string
 * values of the tree (never in the raw text, so an environment value containing YAML syntax cannot
 * alter the structure); then the tree is validated field by field. See {@link ConfigKeys} for how
 * to add a setting.
 */
public final class ConfigLoader {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();
    private static final Pattern DUPLICATE_KEY = Pattern.compile("Duplicate field '(.*)' for");

    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file}. Problems with the file itself (missing, unreadable, not
     * YAML) are reported with the file name in place of a field path.
     */
    public static AdapterConfig load(Path file, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file (give the configuration with --config FILE)");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getClass().getSimpleName());
        }
        return parse(text, env, file.toString());
    }

    /** Validates the configuration in {@code yaml}, resolving references from {@code env}. */
    public static AdapterConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return parse(yaml, env, "");
    }

    private static AdapterConfig parse(String yaml, Map<String, String> env, String fileName)
            throws ConfigException {
        JsonNode root = readTree(yaml, fileName);
        if (!root.isObject()) {
            throw new ConfigException(where(fileName) + (root.isMissingNode()
                    ? "the configuration is empty; it needs at least a sources: list"
                    : "the configuration must be a mapping with pollInterval, maxStaleness and sources"));
        }
        Problems problems = new Problems();
        resolveReferences(root, "", env, problems);
        AdapterConfig config = validate(root, problems);
        problems.throwIfAny(root);
        return config;
    }

    private static String where(String fileName) {
        return fileName.isEmpty() ? "" : fileName + ": ";
    }

    private static JsonNode readTree(String yaml, String fileName) throws ConfigException {
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonNode root = YAML.readTree(parser);
            if (root == null) {
                return MissingNode.getInstance();
            }
            if (parser.nextToken() != null) {
                throw new ConfigException(where(fileName) + "line " + parser.currentLocation().getLineNr()
                        + ": only one YAML document is allowed (remove the second ---)");
            }
            return root;
        } catch (JsonProcessingException e) {
            String hint = yaml.contains("${") && String.valueOf(e.getOriginalMessage()).contains("{")
                    ? " (inside [...] or {...}, put values with ${...} in quotes)" : "";
            throw new ConfigException(where(fileName) + describeSyntaxError(e) + hint);
        } catch (IOException e) {
            throw new ConfigException(where(fileName) + "cannot read: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Line, column and problem of a YAML syntax error, without the excerpt of the offending line
     * that SnakeYAML's message includes: that line may hold a password.
     */
    static String describeSyntaxError(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
            var mark = marked.getProblemMark();
            String at = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
            String context = marked.getContext() == null ? "" : marked.getContext() + ": ";
            return at + "invalid YAML: " + context + marked.getProblem();
        }
        String at = e.getLocation() == null ? ""
                : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
        Matcher duplicate = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
        if (duplicate.find()) {
            return at + "key '" + duplicate.group(1) + "' appears twice in the same mapping";
        }
        return at + "invalid YAML: " + e.getOriginalMessage();
    }

    /** Replaces every string value in the tree by its resolved form; keys are left alone. */
    private static void resolveReferences(JsonNode node, String path, Map<String, String> env, Problems problems) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                resolveValue(field.getValue(), fieldPath, env, problems).ifPresent(field::setValue);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                int index = i;
                resolveValue(array.get(i), path + "[" + i + "]", env, problems)
                        .ifPresent(v -> array.set(index, v));
            }
        }
    }

    private static Optional<JsonNode> resolveValue(JsonNode value, String path, Map<String, String> env,
                                                   Problems problems) {
        if (value.isContainerNode()) {
            resolveReferences(value, path, env, problems);
            return Optional.empty();
        }
        if (!value.isTextual() || !Interpolation.needed(value.textValue())) {
            return Optional.empty();
        }
        try {
            return Optional.of(TextNode.valueOf(Interpolation.resolve(value.textValue(), env)));
        } catch (IllegalArgumentException e) {
            problems.add(path, e.getMessage());
            return Optional.empty();
        }
    }

    private static AdapterConfig validate(JsonNode root, Problems problems) {
        Fields top = new Fields(root, "", problems);
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!ConfigKeys.TOP_LEVEL_KEYS.contains(key)) {
                top.problem(key, "unknown key" + topLevelHint(key));
                KeySuggestions.closest(key, ConfigKeys.TOP_LEVEL_KEYS).filter(s -> !root.has(s))
                        .ifPresent(problems::explained);
            }
        }
        Optional<Duration> poll = top.has("pollInterval")
                ? top.duration("pollInterval") : Optional.of(AdapterConfig.DEFAULT_POLL_INTERVAL);
        Optional<Duration> staleness = top.has("maxStaleness")
                ? top.duration("maxStaleness") : Optional.of(AdapterConfig.DEFAULT_MAX_STALENESS);
        if (poll.isPresent() && staleness.isPresent() && staleness.get().compareTo(poll.get()) <= 0) {
            top.problem(top.has("maxStaleness") ? "maxStaleness" : "pollInterval",
                    "maxStaleness (" + Durations.format(staleness.get()) + ") must be longer than pollInterval ("
                            + Durations.format(poll.get()) + "), or every poll makes the values stale");
        }
        List<SourceConfig> sources = sources(root, poll, staleness, problems);
        ScaleDownConfig scaleDown = root.has("scaleDown") ? scaleDown(root.get("scaleDown"), sources, problems) : null;
        if (!problems.isEmpty()) {
            return null;
        }
        return new AdapterConfig(poll.orElseThrow(), staleness.orElseThrow(), sources, scaleDown);
    }

    private static String topLevelHint(String key) {
        Optional<String> close = KeySuggestions.closest(key, ConfigKeys.TOP_LEVEL_KEYS);
        if (close.isPresent()) {
            return "; did you mean " + close.get() + "?";
        }
        if (ConfigKeys.SOURCE_KEYS.containsKey(key)) {
            return "; " + key + " belongs inside an entry of sources: (check the indentation)";
        }
        return "; the top level has only " + String.join(", ", ConfigKeys.TOP_LEVEL_KEYS);
    }

    private static ScaleDownConfig scaleDown(JsonNode node, List<SourceConfig> sources, Problems problems) {
        Map<String, SourceConfig> byName = new java.util.LinkedHashMap<>();
        sources.forEach(s -> byName.put(s.name(), s));
        return ScaleDownParser.parse(node, byName, !problems.hasUnder("sources"), problems);
    }

    private static List<SourceConfig> sources(JsonNode root, Optional<Duration> poll, Optional<Duration> staleness,
                                              Problems problems) {
        JsonNode list = root.get("sources");
        String what = "a non-empty list of sources (each with name, type, ...)";
        if (list == null) {
            problems.add("sources", "required: " + what);
            return List.of();
        }
        if (!list.isArray() || list.isEmpty()) {
            problems.add("sources", list.isNull() || list.isArray() ? "must be " + what : Fields.mustBe(list, what));
            return List.of();
        }
        List<SourceConfig> sources = new ArrayList<>();
        Map<String, Integer> firstByName = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "sources[" + i + "]";
            JsonNode name = list.get(i).get("name");
            if (name != null && name.isTextual()) {
                Integer first = firstByName.putIfAbsent(name.textValue(), i);
                if (first != null) {
                    problems.add(path + ".name", "'" + name.textValue() + "' is already the name of sources["
                            + first + "]; names must be unique");
                }
            }
            SourceConfig source = SourceParser.parse(list.get(i), path, poll, staleness, problems);
            if (source != null) {
                sources.add(source);
            }
        }
        return sources;
    }
}
