package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.source.celery.CeleryBenchData;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Fills a Redis DB of the bench's own with N Celery queues as kombu writes them: the base list and
 * the priority lists {@code q\x06\x163}, {@code \x06\x166}, {@code \x06\x169}, each holding one
 * ~1 KB kombu envelope, plus {@code unacked} entries (the worst case for the head fingerprints).
 */
final class CeleryRedisFill {

    static final String SEP = "\u0006\u0016";

    private CeleryRedisFill() {
    }

    static List<String> queueNames(int queues) {
        List<String> names = new ArrayList<>(queues);
        for (int i = 0; i < queues; i++) {
            names.add("qma-bench-" + i);
        }
        return names;
    }

    /** Every list of the queues: the base list and the three priority lists of each. */
    static List<String> listKeys(List<String> names) {
        List<String> keys = new ArrayList<>(names.size() * 4);
        for (String q : names) {
            keys.add(q);
            for (String step : List.of("3", "6", "9")) {
                keys.add(q + SEP + step);
            }
        }
        return keys;
    }

    /** Empties {@code db} (the bench's own) and writes the queues; returns their names. */
    static List<String> fill(URI db, int queues, int unacked) {
        List<String> names = queueNames(queues);
        try (Jedis redis = new Jedis(db)) {
            redis.flushDB();
            Pipeline p = redis.pipelined();
            for (String q : names) {
                p.lpush(q, CeleryBenchData.envelope(q));
                for (String step : List.of("3", "6", "9")) {
                    p.lpush(q + SEP + step, CeleryBenchData.envelope(q));
                }
            }
            for (int i = 0; i < unacked; i++) {
                String q = names.get(i * 7 % queues);
                p.hset("unacked", UUID.randomUUID().toString(), "[" + CeleryBenchData.envelope(q) + ", \"\", \"" + q + "\"]");
            }
            p.sync();
        }
        return names;
    }

    static void clean(URI db) {
        try (Jedis redis = new Jedis(db)) {
            redis.flushDB();
        }
    }
}
