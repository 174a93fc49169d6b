package io.github.queuemetrics.adapter.source.celery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Redis key names kombu's {@code redis} transport (5.2.4) uses for Celery, given the
 * transport options {@code priority_steps}, {@code sep} and {@code global_keyprefix}.
 *
 * <p>Mirrors {@code Channel._q_for_pri}: a priority is first mapped onto a step
 * ({@code steps[bisect(steps, n) - 1]}); step {@code 0} is the bare queue key, every other step
 * is {@code queue + sep + step}. So the base key exists only because 0 is a step: with steps
 * {@code [1, 5, 9]} kombu never reads or writes the bare queue key, and neither do we.
 * {@code global_keyprefix} is prepended to every key kombu touches (LLEN, LPUSH, HSET, SADD, ...).
 */
public final class CeleryRedisKeys {

    /** Binding sets: {@code _kombu.binding.<exchange>} (kombu {@code keyprefix_queue}). */
    public static final String BINDING_PREFIX = "_kombu.binding.";
    /** The global hash of delivered, not yet acknowledged messages (kombu {@code unacked_key}). */
    public static final String UNACKED = "unacked";

    private final List<Integer> steps;
    private final String separator;
    private final String keyPrefix;

    /**
     * @param steps     kombu priority_steps: non-negative, strictly ascending (as kombu's bisect needs)
     * @param separator kombu sep, non-empty
     * @param keyPrefix kombu global_keyprefix, may be empty
     */
    public CeleryRedisKeys(List<Integer> steps, String separator, String keyPrefix) {
        Objects.requireNonNull(steps, "steps");
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("prioritySteps must not be empty");
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) < 0 || (i > 0 && steps.get(i) <= steps.get(i - 1))) {
                throw new IllegalArgumentException("prioritySteps must be non-negative and strictly ascending: " + steps);
            }
        }
        if (separator == null || separator.isEmpty()) {
            throw new IllegalArgumentException("separator must not be empty");
        }
        this.steps = List.copyOf(steps);
        this.separator = separator;
        this.keyPrefix = keyPrefix == null ? "" : keyPrefix;
    }

    public List<Integer> steps() {
        return steps;
    }

    public String separator() {
        return separator;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** kombu {@code Channel.priority(n)}: the step a message of priority {@code n} is stored under. */
    public int priority(int n) {
        int index = 0;
        while (index < steps.size() && steps.get(index) <= n) {
            index++;
        }
        // bisect(steps, n) - 1 == -1 for n below the first step: Python then takes steps[-1], the last step.
        return index == 0 ? steps.get(steps.size() - 1) : steps.get(index - 1);
    }

    /**
     * Every list that holds waiting messages of {@code queue}, prefixed, in kombu's step order
     * (the order BRPOP reads them in: highest priority first).
     */
    public List<String> listKeys(String queue) {
        Set<String> keys = new LinkedHashSet<>();
        for (int step : steps) {
            keys.add(listKey(queue, step));
        }
        return new ArrayList<>(keys);
    }

    /** The prefixed list key of one priority step of {@code queue}. */
    public String listKey(String queue, int step) {
        int pri = priority(step);
        return pri != 0 ? keyPrefix + queue + separator + pri : keyPrefix + queue;
    }

    public String unackedKey() {
        return keyPrefix + UNACKED;
    }

    public String bindingKey(String exchange) {
        return keyPrefix + BINDING_PREFIX + exchange;
    }

    /** SCAN MATCH pattern for every binding set, the prefix escaped so glob characters in it are literal. */
    public String bindingScanPattern() {
        return escapeGlob(keyPrefix + BINDING_PREFIX) + "*";
    }

    /** The exchange a binding set key belongs to, or empty when the key is not one of ours. */
    public Optional<String> exchangeOfBindingKey(String key) {
        String head = keyPrefix + BINDING_PREFIX;
        return key.startsWith(head) ? Optional.of(key.substring(head.length())) : Optional.empty();
    }

    /**
     * A member of a binding set: {@code routing_key + sep + pattern + sep + queue} (kombu
     * {@code _queue_bind}); empty when it does not have that shape. The routing key is what comes
     * before the first separator and the queue what comes after the last one.
     */
    public Optional<Binding> parseBinding(String member) {
        int first = member.indexOf(separator);
        int last = member.lastIndexOf(separator);
        if (first < 0 || first == last) {
            return Optional.empty();
        }
        return Optional.of(new Binding(member.substring(0, first),
                member.substring(first + separator.length(), last),
                member.substring(last + separator.length())));
    }

    /** One row of kombu's binding table. {@code pattern} is non-empty only for topic exchanges. */
    public record Binding(String routingKey, String pattern, String queue) {
    }

    static String escapeGlob(String literal) {
        StringBuilder out = new StringBuilder(literal.length() + 8);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
