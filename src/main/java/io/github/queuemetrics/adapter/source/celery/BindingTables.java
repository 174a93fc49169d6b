package io.github.queuemetrics.adapter.source.celery;

import io.github.queuemetrics.adapter.source.celery.CeleryRedisKeys.Binding;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * kombu's binding tables ({@code _kombu.binding.<exchange>} sets), read during one poll, and the
 * routing rule kombu applies to them ({@code Channel._lookup}): the default exchange {@code ""}
 * routes to the queue named by the routing key; any other exchange routes to the queues of the
 * table rows that match the routing key. Redis does not record an exchange's type, so a row with
 * a pattern is matched as a topic binding ({@code re.match(pattern, rk)}) and a row without one
 * by equal routing key (direct; a fanout exchange is treated as direct: Celery tasks do not
 * travel through fanout exchanges on Redis, which kombu implements with pub/sub).
 */
final class BindingTables {

    private final Map<String, List<Binding>> byExchange;
    private final Map<String, Pattern> compiled = new HashMap<>();

    BindingTables(Map<String, List<Binding>> byExchange) {
        this.byExchange = byExchange;
    }

    boolean has(String exchange) {
        return byExchange.containsKey(exchange);
    }

    /** The queues a message of {@code exchange}/{@code routingKey} belongs to; empty when none. */
    Set<String> queuesFor(String exchange, String routingKey) {
        if (exchange == null || exchange.isEmpty()) {
            // kombu: [routing_key or default]; without a routing key it went to no queue of ours
            return routingKey == null || routingKey.isEmpty() ? Set.of() : Set.of(routingKey);
        }
        List<Binding> table = byExchange.get(exchange);
        if (table == null || routingKey == null) {
            return Set.of();
        }
        Set<String> queues = new LinkedHashSet<>();
        for (Binding row : table) {
            if (row.pattern().isEmpty() ? row.routingKey().equals(routingKey) : topicMatch(row.pattern(), routingKey)) {
                queues.add(row.queue());
            }
        }
        return queues;
    }

    private boolean topicMatch(String pattern, String routingKey) {
        Pattern p = compiled.computeIfAbsent(pattern, BindingTables::compileOrNull);
        return p != null && p.matcher(routingKey).lookingAt(); // Python re.match: anchored at the start
    }

    private static Pattern compileOrNull(String pattern) {
        try {
            return Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }
}
