package io.github.queuemetrics.adapter.api.selector;

import io.github.queuemetrics.adapter.model.LabelSelector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed selectors by their raw text, bounded by entries <em>and</em> by total size. Every HPA
 * sends the same selector every 15 s, and parsing was a fifth of the cost of a metric request;
 * hostile traffic sends a new one each time, so the cache is emptied when either bound would be
 * passed. Emptying is cheap and keeps the bound exact; the HPAs' selectors come back in 15 s.
 *
 * <p>Size is counted in characters of selector text: the raw key plus its parsed copy (keys and
 * values), about twice the raw length, plus a fixed per-entry overhead for the map node, the
 * selector and its requirement objects. With {@link #MAX_CHARS} that is a few MiB at most.
 */
final class SelectorCache {

    static final int MAX_ENTRIES = 1024;
    /** Total weight; 1024 selectors of the longest allowed length would be 16 Mi chars. */
    static final long MAX_CHARS = 512 * 1024;
    private static final int ENTRY_OVERHEAD = 256;

    private final Map<String, LabelSelector> entries = new ConcurrentHashMap<>();
    private long chars;

    LabelSelector get(String raw) {
        return entries.get(raw);
    }

    /** Reads stay lock-free; inserts (a cache miss, rare in steady state) take the lock. */
    synchronized void put(String raw, LabelSelector selector) {
        long weight = weight(raw);
        if (entries.containsKey(raw)) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES || chars + weight > MAX_CHARS) {
            entries.clear();
            chars = 0;
        }
        entries.put(raw, selector);
        chars += weight;
    }

    static long weight(String raw) {
        return 2L * raw.length() + ENTRY_OVERHEAD;
    }

    synchronized long chars() {
        return chars;
    }

    int size() {
        return entries.size();
    }
}
