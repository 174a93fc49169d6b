package io.github.queuemetrics.adapter.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the known key (or command-line option) a misspelt one was probably meant to be ("queue" -> "queues"). */
public final class KeySuggestions {

    private KeySuggestions() {
    }

    /**
     * The closest of {@code known} to {@code typed}, if close enough to be a plausible typo.
     * Case, '_' and '-' are ignored (amqp_uri -> amqpUri); a typed key contained in a known one
     * also counts (uri -> amqpUri).
     */
    public static Optional<String> closest(String typed, Collection<String> known) {
        String t = normalize(typed);
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        for (String candidate : known) {
            String c = normalize(candidate);
            int distance = levenshtein(t, c);
            boolean plausible = distance <= Math.max(1, Math.min(3, c.length() / 3))
                    || (t.length() >= 3 && c.contains(t));
            if (plausible && distance < bestScore) {
                best = candidate;
                bestScore = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
