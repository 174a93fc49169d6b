package io.github.queuemetrics.adapter.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects validation problems so the user sees all of them at once. Keeps one problem per field
 * path: once a field is reported (say, an unset {@code ${VAR}}), later checks of the same field
 * would only repeat the same cause in other words.
 */
final class Problems {

    private final List<String> lines = new ArrayList<>();
    private final Set<String> reportedPaths = new HashSet<>();

    void add(String path, String message) {
        if (reportedPaths.add(path)) {
            lines.add(path + ": " + message);
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

    void throwIfAny() throws ConfigException {
        if (!lines.isEmpty()) {
            throw new ConfigException(lines);
        }
    }
}
