package io.github.queuemetrics.adapter.api;

import io.github.queuemetrics.adapter.store.MetricStore;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The encoded answers of successful metric requests, by request URI, for as long as the store
 * would answer them the same way. An HPA asks the same question every 15 s and the answer only
 * changes when a poll lands or a source goes stale, so parsing the selector, querying the store and
 * writing the JSON are done once per poll instead of once per request.
 *
 * <p>An answer is kept with the store's {@link MetricStore#version()} read before its query and
 * the moment the first source it may rest on goes stale ({@link MetricStore#freshUntil}); it is
 * served only while the version is unchanged and that moment has not come. Only 200 answers are
 * kept: errors are rare and their text may name the time. The key is the raw URI, path and query as
 * sent (two spellings of one question are two entries); at most {@link #MAX_ENTRIES} are kept, and
 * the map is emptied when full, so URIs made up by a client cannot grow it without bound.
 */
final class MetricAnswerCache {

    static final int MAX_ENTRIES = 1024;

    /** A body with what it was computed from. */
    record Answer(long version, long freshUntil, Buffer body) {
    }

    private final MetricStore store;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    MetricAnswerCache(MetricStore store) {
        this.store = store;
    }

    /** The kept answer to {@code uri}, or null when there is none that still holds. */
    Buffer get(String uri) {
        Answer answer = answers.get(uri);
        if (answer == null || answer.version() != store.version() || store.nanoTime() - answer.freshUntil() >= 0) {
            return null;
        }
        return answer.body();
    }

    /**
     * Keeps {@code body}, the answer to {@code uri} in {@code namespace} from a query that began
     * when the store was at {@code version}.
     */
    void put(String uri, String namespace, long version, Buffer body) {
        if (answers.size() >= MAX_ENTRIES) {
            answers.clear();
        }
        answers.put(uri, new Answer(version, store.freshUntil(namespace), body));
    }

    int size() {
        return answers.size();
    }
}
