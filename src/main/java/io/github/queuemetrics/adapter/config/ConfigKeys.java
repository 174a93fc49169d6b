package io.github.queuemetrics.adapter.config;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every key the configuration file may contain, and for source keys the source types that accept
 * them. Unknown keys are errors (they are usually typos), so a new setting starts here:
 * <ol>
 *   <li>add it to {@link #SOURCE_KEYS} (or {@link #TOP_LEVEL_KEYS}) with the types that accept it;</li>
 *   <li>read and validate it in {@link SourceParser#parse} (or {@link ConfigLoader}) and pass it to
 *       the record (add the record component at the end, additively).</li>
 * </ol>
 * Keys of another source type are reported as "only for type ...", not as unknown.
 */
final class ConfigKeys {

    static final List<String> TOP_LEVEL_KEYS = List.of("pollInterval", "maxStaleness", "sources", "scaleDown");

    private static final Set<SourceType> ALL = EnumSet.allOf(SourceType.class);
    private static final Set<SourceType> REDIS = EnumSet.of(SourceType.CELERY_REDIS, SourceType.RQ);
    /** Pulp has no queues to name: its items come from groupBy. */
    private static final Set<SourceType> WITH_QUEUES = EnumSet.complementOf(EnumSet.of(SourceType.PULP));
    private static final Set<SourceType> PULP = EnumSet.of(SourceType.PULP);

    /** Source key to the types that accept it, in documentation order. */
    static final Map<String, Set<SourceType>> SOURCE_KEYS = sourceKeys();

    private ConfigKeys() {
    }

    private static Map<String, Set<SourceType>> sourceKeys() {
        Map<String, Set<SourceType>> keys = new LinkedHashMap<>();
        keys.put("name", ALL);
        keys.put("type", ALL);
        keys.put("amqpUri", EnumSet.of(SourceType.RABBITMQ));
        keys.put("managementUri", EnumSet.of(SourceType.RABBITMQ));
        keys.put("vhosts", EnumSet.of(SourceType.RABBITMQ));
        keys.put("prometheusUri", EnumSet.of(SourceType.RABBITMQ));
        keys.put("uri", EnumSet.of(SourceType.CELERY_REDIS, SourceType.RQ, SourceType.PULP));
        keys.put("jdbcUrl", PULP);
        keys.put("user", PULP);
        keys.put("password", PULP);
        keys.put("groupBy", PULP);
        keys.put("statementTimeout", PULP);
        keys.put("queues", WITH_QUEUES);
        keys.put("queuePattern", WITH_QUEUES);
        keys.put("maxQueues", WITH_QUEUES);
        keys.put("workers", ALL);
        keys.put("namespaces", ALL);
        keys.put("pollInterval", ALL);
        keys.put("maxStaleness", ALL);
        keys.put("prioritySteps", EnumSet.of(SourceType.CELERY_REDIS));
        keys.put("separator", EnumSet.of(SourceType.CELERY_REDIS));
        keys.put("keyPrefix", EnumSet.of(SourceType.CELERY_REDIS));
        keys.put("podWorkerTemplate", WITH_QUEUES);
        keys.put("workerReplyTimeout", EnumSet.of(SourceType.RABBITMQ, SourceType.CELERY_REDIS));
        keys.put("tls", ALL);
        return Collections.unmodifiableMap(keys);
    }

    /** The source keys that {@code type} accepts, or every source key when the type is unknown. */
    static List<String> sourceKeysFor(SourceType type) {
        return SOURCE_KEYS.entrySet().stream()
                .filter(e -> type == null || e.getValue().contains(type))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** "type rabbitmq" or "types celery-redis, rq". */
    static String describeTypes(Set<SourceType> types) {
        List<String> names = types.stream().map(SourceType::configName).sorted().toList();
        return (names.size() == 1 ? "type " : "types ") + String.join(", ", names);
    }
}
