package io.github.queuemetrics.adapter.source.celery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

/**
 * Counts the entries of kombu's global {@code unacked} hash by route (exchange, routing key).
 *
 * <p>The hash holds every message delivered to any worker and not yet acked, for all queues, so
 * it is read in HSCAN pages of {@link #SCAN_COUNT} (never HGETALL, which would block Redis for
 * the whole hash). Its size is bounded by the fleet's total prefetch (plus running tasks under
 * acks_late), so reading it every poll is affordable. The first page travels in the poll's
 * pipeline; further pages (a large hash) cost one round trip each. HSCAN may return a field twice
 * while Redis rehashes, so fields are de-duplicated.
 *
 * <p>Each page is one {@link #PAGE_SCRIPT} call: Redis runs the HSCAN and answers, per entry, the
 * field (a delivery tag) and only the last {@link #TAIL_BYTES} bytes of the value, where kombu's
 * {@code [message, exchange, routing_key]} keeps the route ({@link UnackedRoute} reads it from
 * the end). So one page costs this process at most {@link #SCAN_COUNT} x ~4.2 KB (HSCAN's COUNT
 * is a hint: a page may hold somewhat more), and only one page is held at a time, whatever the
 * size of the messages. An entry whose route is longer than the tail does not parse and is
 * reported as unparsable, like any value that does not end like kombu's.
 */
final class UnackedHashReader {

    static final int SCAN_COUNT = 1000;
    /** Enough for an exchange and a routing key of 255 characters each, even with every character JSON-escaped. */
    static final int TAIL_BYTES = 4096;
    /** Longer fields (not kombu's delivery tags) are answered as their SHA-1, still unique. */
    static final int MAX_FIELD_BYTES = 64;

    /**
     * KEYS[1]: the hash; ARGV: cursor, COUNT, tail bytes, longest field. Answers the next cursor,
     * then per entry its field and the tail of its value.
     */
    static final String PAGE_SCRIPT = """
            local page = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
            local entries = page[2]
            local tail = tonumber(ARGV[3])
            local longest = tonumber(ARGV[4])
            local out = {page[1]}
            for i = 1, #entries, 2 do
              local field = entries[i]
              if #field > longest then
                field = redis.sha1hex(field)
              end
              out[#out + 1] = field
              out[#out + 1] = string.sub(entries[i + 1], -tail)
            end
            return out
            """;
    private static final byte[] PAGE_SCRIPT_BYTES = PAGE_SCRIPT.getBytes(StandardCharsets.UTF_8);

    /** Entries per route, plus those whose value did not end like kombu's. */
    record Counts(Map<UnackedRoute, Integer> byRoute, int unparsable) {
    }

    /** A scan in progress: its first page is queued on the poll's pipeline. */
    static final class Scan {
        private final byte[] key;
        private final Response<Object> firstPage;

        private Scan(byte[] key, Response<Object> firstPage) {
            this.key = key;
            this.firstPage = firstPage;
        }

        /** Finishes the scan on {@code jedis} (after the pipeline was synced). */
        Counts finish(Jedis jedis) {
            Map<UnackedRoute, Integer> byRoute = new HashMap<>();
            Set<ByteBuffer> seen = new HashSet<>();
            int unparsable = 0;
            Object page = firstPage.get();
            while (true) {
                List<?> reply = checked(page);
                unparsable += count(reply, seen, byRoute);
                byte[] cursor = (byte[]) reply.get(0);
                if (Arrays.equals(cursor, START)) {
                    break;
                }
                page = jedis.eval(PAGE_SCRIPT_BYTES, 1, pageArgs(key, cursor));
            }
            return new Counts(byRoute, unparsable);
        }

        private static List<?> checked(Object page) {
            if (page instanceof List<?> reply && !reply.isEmpty() && reply.get(0) instanceof byte[]
                    && reply.size() % 2 == 1) {
                return reply;
            }
            throw new IllegalStateException("the unacked page script answered " + page);
        }

        private static int count(List<?> reply, Set<ByteBuffer> seen, Map<UnackedRoute, Integer> byRoute) {
            int unparsable = 0;
            for (int i = 1; i < reply.size(); i += 2) {
                if (!seen.add(ByteBuffer.wrap((byte[]) reply.get(i)))) {
                    continue;
                }
                Optional<UnackedRoute> route = UnackedRoute.parse((byte[]) reply.get(i + 1));
                if (route.isPresent()) {
                    byRoute.merge(route.get(), 1, Integer::sum);
                } else {
                    unparsable++;
                }
            }
            return unparsable;
        }
    }

    private static final byte[] START = ScanParams.SCAN_POINTER_START_BINARY;

    private static byte[][] pageArgs(byte[] key, byte[] cursor) {
        return new byte[][] {key, cursor, bytes(SCAN_COUNT), bytes(TAIL_BYTES), bytes(MAX_FIELD_BYTES)};
    }

    private static byte[] bytes(int n) {
        return Integer.toString(n).getBytes(StandardCharsets.UTF_8);
    }

    static Scan start(Pipeline pipeline, String unackedKey) {
        byte[] key = unackedKey.getBytes(StandardCharsets.UTF_8);
        return new Scan(key, pipeline.eval(PAGE_SCRIPT_BYTES, 1, pageArgs(key, START)));
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
