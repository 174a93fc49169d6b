package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Typed reads of one YAML mapping, reporting every problem under its field path. Each method
 * returns empty both when the key is absent and when its value is invalid (then a problem has been
 * recorded); {@link #has} tells the two apart for cross-field checks.
 */
final class Fields {

    private final JsonNode object;
    private final String prefix;
    private final Problems problems;

    /** @param prefix path of {@code object} itself, "" for the top level, "sources[1]" for a source */
    Fields(JsonNode object, String prefix, Problems problems) {
        this.object = object;
        this.prefix = prefix;
        this.problems = problems;
    }

    String path(String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    boolean has(String key) {
        return object.has(key);
    }

    /** The raw value of {@code key}, null when absent. */
    JsonNode node(String key) {
        return object.get(key);
    }

    Problems problems() {
        return problems;
    }

    void problem(String key, String message) {
        problems.add(path(key), message);
    }

    /**
     * A string value. An empty string counts as absent for optional keys, so that
     * {@code managementUri: ${RABBITMQ_MANAGEMENT_URI:-}} can switch a setting off from the
     * environment; a required key reports it.
     */
    Optional<String> string(String key, boolean required, String what) {
        JsonNode node = object.get(key);
        if (node == null) {
            if (required) {
                problem(key, "required: " + what);
            }
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problem(key, mustBe(node, what));
            return Optional.empty();
        }
        String value = node.textValue();
        if (value.isEmpty()) {
            if (required) {
                problem(key, "must not be empty: " + what);
            }
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** A string that must be present even if empty is allowed (e.g. keyPrefix: ""). */
    Optional<String> stringAllowEmpty(String key, String what) {
        JsonNode node = object.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problem(key, mustBe(node, what));
            return Optional.empty();
        }
        return Optional.of(node.textValue());
    }

    Optional<Duration> duration(String key) {
        JsonNode node = object.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (node.isNumber()) {
            problem(key, "'" + node.asText() + "' needs a unit: ms, s, m or h (e.g. " + node.asText() + "s)");
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problem(key, mustBe(node, "a duration such as 500ms, 5s, 1m or 1h"));
            return Optional.empty();
        }
        try {
            Duration d = Durations.parse(node.textValue());
            if (d.isZero()) {
                problem(key, "must be longer than 0");
                return Optional.empty();
            }
            return Optional.of(d);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A non-empty list whose elements are converted by {@code element} (which reports its own
     * problems under the element path and returns null when invalid). Duplicates are reported.
     */
    <T> Optional<List<T>> list(String key, boolean required, String what,
                               BiFunction<JsonNode, String, T> element) {
        JsonNode node = object.get(key);
        if (node == null) {
            if (required) {
                problem(key, "required: " + what);
            }
            return Optional.empty();
        }
        if (!node.isArray() || node.isEmpty()) {
            problem(key, "must be " + what);
            return Optional.empty();
        }
        List<T> values = new ArrayList<>();
        Set<T> seen = new HashSet<>();
        boolean valid = true;
        for (int i = 0; i < node.size(); i++) {
            String elementPath = path(key) + "[" + i + "]";
            T value = element.apply(node.get(i), elementPath);
            if (value == null) {
                valid = false;
            } else if (!seen.add(value)) {
                problems.add(elementPath, "'" + value + "' is listed twice");
                valid = false;
            } else {
                values.add(value);
            }
        }
        return valid ? Optional.of(values) : Optional.empty();
    }

    /** Element converter for lists of non-blank strings. */
    static BiFunction<JsonNode, String, String> nonBlankString(Problems problems, String what) {
        return (node, path) -> {
            if (!node.isTextual()) {
                problems.add(path, mustBe(node, what));
                return null;
            }
            if (node.textValue().isBlank()) {
                problems.add(path, "must not be empty: " + what);
                return null;
            }
            return node.textValue();
        };
    }

    /**
     * "must be a string", with a hint for YAML's implicit typing: {@code on}, {@code yes} and
     * {@code 010} are not strings unless quoted.
     */
    static String mustBe(JsonNode node, String what) {
        if (node.isNull()) {
            return "has no value; expected " + what;
        }
        if (node.isValueNode()) {
            return "must be " + what + " (YAML read " + node.getNodeType().name().toLowerCase()
                    + " " + node.asText() + "; put the value in quotes)";
        }
        return "must be " + what + ", not a " + (node.isArray() ? "list" : "mapping");
    }
}
