package io.github.queuemetrics.adapter.source.celery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Reads the length and a fingerprint of the oldest element of every priority list of every queue.
 *
 * <p>The first round trip is a pipelined {@code LLEN} per list, sent together with the first page
 * of the unacked HSCAN. Then, for the non-empty lists whose head is not known from an earlier poll
 * ({@link KnownHeads}: in practice the lists whose length changed), one pipelined round trip of
 * {@link #HEADS_SCRIPT} calls ({@link #KEYS_PER_SCRIPT} lists each): for each list Redis itself
 * takes the oldest message ({@code LINDEX key -1}: kombu LPUSHes and BRPOPs from the right) and
 * answers only its length and its last {@link #TAIL_BYTES} bytes. kombu ends every envelope with
 * {@code "delivery_tag": "<uuid>"}} (39 bytes), unique per message, so this tells one message from
 * the next (a writer whose messages had the same length and differed only before their last 48
 * bytes would make a new head look like the old one: its age would run on, too old, never too
 * young). What this process reads per list is bounded (the length and at most 48 bytes) whatever
 * the message size: a queue of 5 MB messages does not cost 5 MB of network and heap per poll.
 *
 * <p>The price is Redis CPU: a scripted LINDEX with its sample costs Redis ~4 us against ~0.7 us
 * for a pipelined LINDEX (Redis 7.0, 40,000 non-empty lists of 1 KB messages, every head read:
 * 155 ms of scripts per poll; {@code bench/run.sh celery-redis-poll}), and each script holds Redis
 * for at most {@link #KEYS_PER_SCRIPT} lists (~2 ms). So only heads that may have changed are
 * read; most priority lists of most deployments are empty and cost one LLEN only.
 *
 * <p>The Redis user must be allowed {@code EVAL} (ACL category {@code @scripting}); without it the
 * poll fails and says so.
 *
 * <p>A key that is not a list counts 0, as kombu's own {@code _size} ignores it.
 */
final class QueueListsReader {

    static final int KEYS_PER_SCRIPT = 500;
    static final int TAIL_BYTES = 48;

    /**
     * KEYS: non-empty lists; ARGV[1]: tail bytes. Per key two values: the length of its oldest
     * element and its last ARGV[1] bytes (the whole element when it is not longer; one substring
     * and no concatenation: the sample's cost is most of the script's), or false, false when the key is no longer a non-empty list (redis.pcall: a
     * key that changed type meanwhile must not fail the poll).
     */
    static final String HEADS_SCRIPT = """
            local n = tonumber(ARGV[1])
            local out = {}
            for i, key in ipairs(KEYS) do
              local head = redis.pcall('LINDEX', key, -1)
              if type(head) == 'string' then
                out[2 * i - 1] = #head
                if #head > n then
                  out[2 * i] = string.sub(head, -n)
                else
                  out[2 * i] = head
                end
              else
                out[2 * i - 1] = false
                out[2 * i] = false
              end
            end
            return out
            """;
    private static final byte[] HEADS_SCRIPT_BYTES = HEADS_SCRIPT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TAIL_BYTES_ARG = Integer.toString(TAIL_BYTES).getBytes(StandardCharsets.UTF_8);

    /** The key layout of one queue set, computed once and reused while the set does not change. */
    static final class Plan {
        final List<String> queues;
        /** Queue q owns lists [firstList[q], firstList[q + 1]). */
        final int[] firstList;
        final String[] listKeys;
        final byte[][] keyBytes;

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
            this.keyBytes = new byte[listKeys.length][];
            for (int k = 0; k < listKeys.length; k++) {
                keyBytes[k] = listKeys[k].getBytes(StandardCharsets.UTF_8);
            }
        }

        int queueCount() {
            return queues.size();
        }
    }

    /** Lengths and head fingerprints (null for an empty list), indexed like {@link Plan#listKeys}. */
    record Lists(long[] lengths, byte[][] heads) {
    }

    /** Head fingerprints known from earlier polls (see {@link OldestTaskTracker#knownHead}). */
    @FunctionalInterface
    interface KnownHeads {
        /** The fingerprint of list {@code list} (index in the plan) of {@code length} elements, or null to read it. */
        byte[] head(int list, long length);
    }

    /** The LLEN answers of the first trip; {@link #get} after the pipeline was synced. */
    static final class Pending {
        private final Plan plan;
        private final List<Response<Object>> lengths;

        private Pending(Plan plan, List<Response<Object>> lengths) {
            this.plan = plan;
            this.lengths = lengths;
        }

        /**
         * Reads the lengths and fetches the fingerprints of the non-empty lists that {@code known}
         * does not answer for (second trip; none when it answers for all).
         */
        Lists get(Jedis jedis, KnownHeads known) {
            int count = plan.listKeys.length;
            long[] lengths = new long[count];
            byte[][] heads = new byte[count][];
            int[] toRead = new int[count];
            int toReadCount = 0;
            for (int l = 0; l < count; l++) {
                try {
                    Object reply = this.lengths.get(l).get();
                    if (!(reply instanceof Long n)) {
                        throw new IllegalStateException("LLEN " + plan.listKeys[l] + " answered " + reply);
                    }
                    lengths[l] = n;
                } catch (JedisDataException notAList) {
                    lengths[l] = 0; // WRONGTYPE: kombu's _size skips it too
                }
                if (lengths[l] > 0) {
                    heads[l] = known.head(l, lengths[l]);
                    if (heads[l] == null) {
                        toRead[toReadCount++] = l;
                    }
                }
            }
            if (toReadCount == 0) {
                return new Lists(lengths, heads);
            }
            List<Response<Object>> replies = new ArrayList<>();
            try (Pipeline pipeline = jedis.pipelined()) {
                for (int from = 0; from < toReadCount; from += KEYS_PER_SCRIPT) {
                    int to = Math.min(toReadCount, from + KEYS_PER_SCRIPT);
                    byte[][] params = new byte[to - from + 1][];
                    for (int k = from; k < to; k++) {
                        params[k - from] = plan.keyBytes[toRead[k]];
                    }
                    params[to - from] = TAIL_BYTES_ARG;
                    replies.add(pipeline.eval(HEADS_SCRIPT_BYTES, to - from, params));
                }
                pipeline.sync();
            }
            for (int r = 0; r < replies.size(); r++) {
                Object reply = replies.get(r).get();
                if (!(reply instanceof List<?> values) || values.size() != 2 * Math.min(KEYS_PER_SCRIPT,
                        toReadCount - r * KEYS_PER_SCRIPT)) {
                    throw new IllegalStateException("the head script answered " + reply);
                }
                for (int i = 0; i < values.size() / 2; i++) {
                    Object length = values.get(2 * i);
                    Object sample = values.get(2 * i + 1);
                    heads[toRead[r * KEYS_PER_SCRIPT + i]] = length instanceof Long n && sample instanceof byte[] s
                            ? fingerprint(n, s) : null;
                }
            }
            return new Lists(lengths, heads);
        }
    }

    /**
     * Queues an LLEN per list on {@code pipeline}; the caller syncs it (with other commands) once.
     * Replies are kept as Object: a key of another type answers an error, not a number.
     */
    static Pending enqueue(Pipeline pipeline, Plan plan) {
        List<Response<Object>> responses = new ArrayList<>(plan.keyBytes.length);
        for (byte[] key : plan.keyBytes) {
            responses.add(pipeline.sendCommand(Protocol.Command.LLEN, key));
        }
        return new Pending(plan, responses);
    }

    /** Length and sample of a message: equal for the same message, distinct otherwise (see the class comment). */
    static byte[] fingerprint(long length, byte[] sample) {
        return ByteBuffer.allocate(8 + sample.length).putLong(length).put(sample).array();
    }

    static boolean sameHead(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    private QueueListsReader() {
    }
}
