package io.github.queuemetrics.adapter.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Environment references inside configuration strings.
 *
 * <ul>
 *   <li>{@code ${VAR}}: the value of VAR; an error when VAR is not set.</li>
 *   <li>{@code ${VAR:-default}}: the value of VAR, or {@code default} when VAR is unset or empty
 *       (shell semantics). The default is literal text up to the first {@code }}.</li>
 *   <li>{@code $${}: a literal {@code ${}; nothing else is special ({@code $HOME} and a lone
 *       {@code $} stay as written).</li>
 * </ul>
 *
 * <p>Substitution is applied to already parsed YAML string values, never to the file text, so a
 * value containing {@code :}, {@code #}, quotes or newlines cannot change the structure of the file,
 * and the result is not scanned again (a value that contains {@code ${X}} stays literal).
 */
final class Interpolation {

    private static final Pattern REFERENCE =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private Interpolation() {
    }

    /** True when {@code text} contains anything this class would replace or reject. */
    static boolean needed(String text) {
        return text.contains("${");
    }

    /**
     * Resolves every reference in {@code text}.
     *
     * @throws IllegalArgumentException naming the unset variables or the position of a malformed
     *     reference; never echoing values (they may be secrets)
     */
    static String resolve(String text, Map<String, String> env) {
        StringBuilder out = new StringBuilder(text.length());
        List<String> unset = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                if (!m.find(i) || m.start() != i) {
                    throw new IllegalArgumentException("malformed ${...} reference at character " + (i + 1)
                            + "; write ${NAME} or ${NAME:-default}, or $${ for a literal ${");
                }
                String name = m.group(1);
                String value = env.get(name);
                String fallback = m.group(2);
                if (fallback != null && (value == null || value.isEmpty())) {
                    out.append(fallback);
                } else if (value != null) {
                    out.append(value);
                } else {
                    unset.add(name);
                }
                i = m.end();
            } else {
                out.append(c);
                i++;
            }
        }
        if (!unset.isEmpty()) {
            String names = String.join(", ", unset);
            throw new IllegalArgumentException((unset.size() == 1
                    ? "environment variable " + names + " is not set"
                    : "environment variables " + names + " are not set")
                    + " (set it, or give a default: ${" + unset.get(0) + ":-value})");
        }
        return out.toString();
    }
}
