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

    /** The value, or null when absent or expired. */
    V get(K key) {
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (nanoTime.getAsLong() - entry.expiresAtNanos >= 0) {
            entries.remove(key, entry);
            return null;
        }
        return entry.value;
    }

    void put(K key, V value, Duration ttl) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, new Entry<>(value, nanoTime.getAsLong() + ttl.toNanos()));
    }
}
