package io.github.queuemetrics.adapter.api.selector;

import io.github.queuemetrics.adapter.model.LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Parses the {@code labelSelector} query parameter of an external metrics request with the full
 * Kubernetes {@code labels.Parse} grammar. The HPA renders {@code matchLabels} and
 * {@code matchExpressions} into that grammar, so every form it can send is accepted here.
 */
public final class LabelSelectors {

    private static final LabelSelector EVERYTHING = new Parsed(List.of());

    /**
     * Parsed selectors by their raw text. Every HPA sends the same selector every 15 s, and parsing
     * (lexing, validation) was a fifth of the cost of a metric request. Selectors are immutable;
     * the cache is emptied when full, so odd or hostile traffic cannot grow it without bound.
     */
    private static final int CACHE_LIMIT = 1024;
    private static final Map<String, LabelSelector> CACHE = new ConcurrentHashMap<>();

    private LabelSelectors() {
    }

    /** A selector that matches every label set (what an absent {@code labelSelector} means). */
    public static LabelSelector everything() {
        return EVERYTHING;
    }

    /**
     * Parses {@code raw}; null, empty or blank means match-all (an HPA metric without a selector
     * sends no parameter at all).
     *
     * @throws LabelSelectorSyntaxException when Kubernetes would reject the selector
     */
    public static LabelSelector parse(String raw) {
        if (raw == null) {
            return EVERYTHING;
        }
        LabelSelector cached = CACHE.get(raw);
        if (cached != null) {
            return cached;
        }
        List<Requirement> requirements = SelectorParser.parse(raw);
        LabelSelector parsed = requirements.isEmpty() ? EVERYTHING : new Parsed(requirements);
        if (CACHE.size() >= CACHE_LIMIT) {
            CACHE.clear();
        }
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
