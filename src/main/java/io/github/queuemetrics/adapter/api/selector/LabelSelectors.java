package io.github.queuemetrics.adapter.api.selector;

import io.github.queuemetrics.adapter.model.LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Parses the {@code labelSelector} query parameter of an external metrics request with the full
 * Kubernetes {@code labels.Parse} grammar. The HPA renders {@code matchLabels} and
 * {@code matchExpressions} into that grammar, so every form it can send is accepted here.
 */
public final class LabelSelectors {

    private static final LabelSelector EVERYTHING = new Parsed(List.of());

    /**
     * The longest {@code labelSelector} accepted, in characters after URL decoding. An HPA's
     * selector is a few requirements of names of at most 63 characters (a set of 50 queue names
     * fits); a longer one is a mistake or an attack, answered with a 400 Status.
     */
    public static final int MAX_LENGTH = 4096;
    /** The most requirements (comma-separated terms) in one selector: bounds the match cost per item. */
    public static final int MAX_REQUIREMENTS = 32;

    /** See {@link SelectorCache}: bounded by entries and by total size. */
    private static final SelectorCache CACHE = new SelectorCache();

    private LabelSelectors() {
    }

    /** The cache's current weight in characters (tests). */
    static long cachedChars() {
        return CACHE.chars();
    }

    /** A selector that matches every label set (what an absent {@code labelSelector} means). */
    public static LabelSelector everything() {
        return EVERYTHING;
    }

    /**
     * Parses {@code raw}; null, empty or blank means match-all (an HPA metric without a selector
     * sends no parameter at all).
     *
     * @throws LabelSelectorSyntaxException when Kubernetes would reject the selector, or when it is
     *                                      longer than {@link #MAX_LENGTH} or has more than
     *                                      {@link #MAX_REQUIREMENTS} requirements
     */
    public static LabelSelector parse(String raw) {
        if (raw == null) {
            return EVERYTHING;
        }
        if (raw.length() > MAX_LENGTH) {
            throw new LabelSelectorSyntaxException("labelSelector is " + raw.length()
                    + " characters long; this adapter accepts at most " + MAX_LENGTH);
        }
        LabelSelector cached = CACHE.get(raw);
        if (cached != null) {
            return cached;
        }
        List<Requirement> requirements = SelectorParser.parse(raw);
        if (requirements.size() > MAX_REQUIREMENTS) {
            throw new LabelSelectorSyntaxException("labelSelector has " + requirements.size()
                    + " requirements; this adapter accepts at most " + MAX_REQUIREMENTS);
        }
        LabelSelector parsed = requirements.isEmpty() ? EVERYTHING : new Parsed(requirements);
        CACHE.put(raw, parsed);
        return parsed;
    }

    /** Requirements ANDed together; {@link #toString()} is Kubernetes' canonical form. */
    private record Parsed(List<Requirement> requirements) implements LabelSelector {

        Parsed {
            requirements = List.copyOf(requirements);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            for (Requirement requirement : requirements) {
                if (!requirement.matches(labels)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean admits(String key, String value) {
            Map<String, String> only = Map.of(key, value);
            for (Requirement requirement : requirements) {
                if (requirement.key().equals(key) && !requirement.matches(only)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
        }
    }
}
