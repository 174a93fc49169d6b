package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects validation problems so the user sees all of them at once. Keeps one problem per field
 * path: once a field is reported (say, an unset {@code ${VAR}}), later checks of the same field
 * would only repeat the same cause in other words.
 */
final class Problems {

    private static final Pattern SEGMENT = Pattern.compile("([^.\\[]+)|\\[(\\d+)]");

    private record Line(String path, String text) {
    }

    private final List<Line> lines = new ArrayList<>();
    private final Set<String> reportedPaths = new HashSet<>();

    void add(String path, String message) {
        if (reportedPaths.add(path)) {
            lines.add(new Line(path, path + ": " + message));
        }
    }

    /**
     * Marks {@code path} as explained without a line of its own: when "queue" was reported as a
     * typo of "queues", "queues: required" would only repeat it.
     */
    void explained(String path) {
        reportedPaths.add(path);
    }

    boolean has(String path) {
        return reportedPaths.contains(path);
    }

    /** True when {@code path} or a field inside it (path.x, path[i]) has a problem. */
    boolean hasUnder(String path) {
        return reportedPaths.stream().anyMatch(p -> p.equals(path)
                || p.startsWith(path + ".") || p.startsWith(path + "["));
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    /**
     * Throws the problems in the order their fields appear in {@code root} (checks run in a
     * fixed order, users read the file top down); a missing field sorts at the end of the mapping
     * that lacks it.
     */
    void throwIfAny(JsonNode root) throws ConfigException {
        if (!lines.isEmpty()) {
            Comparator<Line> byPosition = (a, b) -> compare(position(root, a.path()), position(root, b.path()));
            throw new ConfigException(lines.stream().sorted(byPosition).map(Line::text).toList());
        }
    }

    /** Index of each path segment within its parent: field order for mappings, index for lists. */
    private static List<Integer> position(JsonNode root, String path) {
        List<Integer> position = new ArrayList<>();
        JsonNode node = root;
        Matcher m = SEGMENT.matcher(path);
        while (m.find()) {
            if (node == null) {
                break;
            }
            if (m.group(1) != null) {
                int index = fieldIndex(node, m.group(1));
                position.add(index);
                node = index == Integer.MAX_VALUE ? null : node.get(m.group(1));
            } else {
                int index = Integer.parseInt(m.group(2));
                position.add(index);
                node = node.get(index);
            }
        }
        return position;
    }

    private static int fieldIndex(JsonNode node, String key) {
        int i = 0;
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); i++) {
            if (names.next().equals(key)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static int compare(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
