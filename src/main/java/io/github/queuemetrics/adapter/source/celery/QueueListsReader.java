package io.github.queuemetrics.adapter.source.celery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Reads the length and the oldest element's fingerprint of every priority list of every queue,
 * in one pipelined round trip.
 *
 * <p>Each EVAL of {@link #SCRIPT} covers up to {@link #KEYS_PER_SCRIPT} lists and returns, per
 * list, {@code LLEN} and a short fingerprint of {@code LINDEX key -1} (the oldest message: kombu
 * LPUSHes and BRPOPs from the right). The fingerprint is the element's length plus its last 80
 * bytes: kombu ends every envelope with {@code "delivery_tag": "<uuid>"}}, so that is unique per
 * message, and the whole message (often kilobytes) never crosses the network. Plain pipelined
 * LINDEX would ship every head on every poll; 40,000 lists would mean tens of megabytes.
 * Several scripts of bounded size, rather than one, keep each one short so Redis serves the
 * workers in between. A key that is not a list counts 0, as kombu's own {@code _size} does.
 */
final class QueueListsReader {

    static final int KEYS_PER_SCRIPT = 1000;

    static final String SCRIPT = String.join("\n",
            "local out = {}",
            "for i = 1, #KEYS do",
            "  local n = redis.pcall('LLEN', KEYS[i])",
            "  if type(n) ~= 'number' then n = 0 end",
            "  out[2 * i - 1] = n",
            "  if n > 0 then",
            "    local head = redis.call('LINDEX', KEYS[i], -1)",
            "    out[2 * i] = #head .. ':' .. string.sub(head, -80)",
            "  else",
            "    out[2 * i] = ''",
            "  end",
            "end",
            "return out");

    private static final byte[] SCRIPT_BYTES = SCRIPT.getBytes(StandardCharsets.UTF_8);

    /** The key layout of one queue set, computed once and reused while the set does not change. */
    static final class Plan {
        final List<String> queues;
        /** Queue q owns lists [firstList[q], firstList[q + 1]). */
        final int[] firstList;
        final String[] listKeys;
        final List<byte[][]> chunks = new ArrayList<>();

        Plan(List<String> queues, CeleryRedisKeys keys) {
            this.queues = List.copyOf(queues);
            this.firstList = new int[queues.size() + 1];
            List<String> all = new ArrayList<>();
            for (int q = 0; q < queues.size(); q++) {
                firstList[q] = all.size();
                all.addAll(keys.listKeys(queues.get(q)));
            }
            firstList[queues.size()] = all.size();
            this.listKeys = all.toArray(String[]::new);
            for (int from = 0; from < listKeys.length; from += KEYS_PER_SCRIPT) {
                int to = Math.min(listKeys.length, from + KEYS_PER_SCRIPT);
                byte[][] chunk = new byte[to - from][];
                for (int k = from; k < to; k++) {
                    chunk[k - from] = listKeys[k].getBytes(StandardCharsets.UTF_8);
                }
                chunks.add(chunk);
            }
        }

        int queueCount() {
            return queues.size();
        }
    }

    /** Lengths and head fingerprints (null for an empty list), indexed like {@link Plan#listKeys}. */
    record Lists(long[] lengths, byte[][] heads) {
    }

    /** The pending answers of one poll; {@link #get()} only after the pipeline was synced. */
    static final class Pending {
        private final Plan plan;
        private final List<Response<Object>> responses;

        private Pending(Plan plan, List<Response<Object>> responses) {
            this.plan = plan;
            this.responses = responses;
        }

        Lists get() {
            long[] lengths = new long[plan.listKeys.length];
            byte[][] heads = new byte[plan.listKeys.length][];
            int index = 0;
            for (Response<Object> response : responses) {
                List<?> reply = (List<?>) response.get();
                for (int k = 0; k < reply.size(); k += 2) {
                    lengths[index] = (Long) reply.get(k);
                    byte[] head = (byte[]) reply.get(k + 1);
                    heads[index] = head == null || head.length == 0 ? null : head;
                    index++;
                }
            }
            if (index != lengths.length) {
                throw new IllegalStateException("expected " + lengths.length + " list answers, got " + index);
            }
            return new Lists(lengths, heads);
        }
    }

    /** Queues the scripts on {@code pipeline}; the caller syncs it (with other commands) once. */
    static Pending enqueue(Pipeline pipeline, Plan plan) {
        List<Response<Object>> responses = new ArrayList<>(plan.chunks.size());
        for (byte[][] chunk : plan.chunks) {
            responses.add(pipeline.eval(SCRIPT_BYTES, chunk.length, chunk));
        }
        return new Pending(plan, responses);
    }

    static boolean sameHead(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    private QueueListsReader() {
    }
}
