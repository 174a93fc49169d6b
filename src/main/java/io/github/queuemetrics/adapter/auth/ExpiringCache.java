package io.github.queuemetrics.adapter.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Answers remembered for a short time (TokenReview and SubjectAccessReview results), so a warm
 * cache costs the HPA's requests no Kubernetes call. Bounded crudely: past {@link #MAX_ENTRIES}
 * everything is forgotten at once (a flood of distinct tokens must not grow the heap).
 */
final class ExpiringCache<K, V> {

    static final int MAX_ENTRIES = 10_000;

    private record Entry<V>(V value, long expiresAtNanos) {
    }

    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    ExpiringCache(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A value that has not expired, and whether it expires within the margin asked for. */
    record Hit<V>(V value, boolean expiresSoon) {
    }

    /** The value, or null when absent or expired. */
    V get(K key) {
        Hit<V> hit = get(key, Duration.ZERO);
        return hit == null ? null : hit.value();
    }

    /** The value, or null when absent or expired; {@code expiresSoon} when less than {@code margin} is left. */
    Hit<V> get(K key, Duration margin) {
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        long left = entry.expiresAtNanos - nanoTime.getAsLong();
        if (left <= 0) {
            entries.remove(key, entry);
            return null;
        }
        return new Hit<>(entry.value, left < margin.toNanos());
    }

    void put(K key, V value, Duration ttl) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, new Entry<>(value, nanoTime.getAsLong() + ttl.toNanos()));
    }
}
