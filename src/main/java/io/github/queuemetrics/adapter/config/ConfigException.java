package io.github.queuemetrics.adapter.config;

import java.util.List;

/**
 * The configuration cannot be used. Carries every problem found, one line each, in the form
 * {@code field.path: what is wrong} (e.g. {@code sources[1].queues: must be a non-empty list}).
 * Lines never contain passwords: each line is passed through {@link Secrets#redact(String)} as a
 * last line of defence, on top of the loader never echoing URI values.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", redactAll(problems)), null, false, false);
        this.problems = redactAll(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** One line per problem, in the order they appear in the file. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> redactAll(List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return lines.stream().map(Secrets::redact).toList();
    }
}
