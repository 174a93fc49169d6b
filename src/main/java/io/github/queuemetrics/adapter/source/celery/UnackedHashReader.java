package io.github.queuemetrics.adapter.source.celery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Counts the entries of kombu's global {@code unacked} hash by route (exchange, routing key).
 *
 * <p>The hash holds every message delivered to any worker and not yet acked, for all queues, so
 * it is read with HSCAN pages of {@link #SCAN_COUNT} (never HGETALL, which would block Redis for
 * the whole hash). Its size is bounded by the fleet's total prefetch (plus running tasks under
 * acks_late), so reading it every poll is affordable. The first page travels in the poll's
 * pipeline; further pages (a large hash) cost one round trip each. HSCAN may return a field twice
 * while Redis rehashes, so fields are de-duplicated. Only the tail of each value is parsed
 * ({@link UnackedRoute}).
 */
final class UnackedHashReader {

    static final int SCAN_COUNT = 1000;

    /** Entries per route, plus those whose value did not end like kombu's. */
    record Counts(Map<UnackedRoute, Integer> byRoute, int unparsable) {
    }

    /** A scan in progress: its first page is queued on the poll's pipeline. */
    static final class Scan {
        private final byte[] key;
        private final ScanParams params;
        private final Response<ScanResult<Map.Entry<byte[], byte[]>>> firstPage;

        private Scan(byte[] key, ScanParams params, Response<ScanResult<Map.Entry<byte[], byte[]>>> firstPage) {
            this.key = key;
            this.params = params;
            this.firstPage = firstPage;
        }

        /** Finishes the scan on {@code jedis} (after the pipeline was synced). */
        Counts finish(Jedis jedis) {
            Map<UnackedRoute, Integer> byRoute = new HashMap<>();
            Set<ByteBuffer> seen = new HashSet<>();
            int unparsable = 0;
            ScanResult<Map.Entry<byte[], byte[]>> page = firstPage.get();
            while (true) {
                unparsable += count(page.getResult(), seen, byRoute);
                if (page.isCompleteIteration()) {
                    break;
                }
                page = jedis.hscan(key, page.getCursorAsBytes(), params);
            }
            return new Counts(byRoute, unparsable);
        }

        private static int count(List<Map.Entry<byte[], byte[]>> entries, Set<ByteBuffer> seen,
                                 Map<UnackedRoute, Integer> byRoute) {
            int unparsable = 0;
            for (Map.Entry<byte[], byte[]> entry : entries) {
                if (!seen.add(ByteBuffer.wrap(entry.getKey()))) {
                    continue;
                }
                Optional<UnackedRoute> route = UnackedRoute.parse(entry.getValue());
                if (route.isPresent()) {
                    byRoute.merge(route.get(), 1, Integer::sum);
                } else {
                    unparsable++;
                }
            }
            return unparsable;
        }
    }

    static Scan start(Pipeline pipeline, String unackedKey) {
        byte[] key = unackedKey.getBytes(StandardCharsets.UTF_8);
        ScanParams params = new ScanParams().count(SCAN_COUNT);
        return new Scan(key, params, pipeline.hscan(key, ScanParams.SCAN_POINTER_START_BINARY, params));
    }

    /** Unacked entries per queue, routed as kombu would restore them (see {@link BindingTables}). */
    static Map<String, Integer> perQueue(Counts counts, BindingTables bindings) {
        Map<String, Integer> perQueue = new HashMap<>();
        counts.byRoute().forEach((route, n) -> {
            for (String queue : bindings.queuesFor(route.exchange(), route.routingKey())) {
                perQueue.merge(queue, n, Integer::sum);
            }
        });
        return perQueue;
    }

    private UnackedHashReader() {
    }
}
