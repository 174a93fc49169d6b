package io.github.queuemetrics.adapter.source.celery;

import io.github.queuemetrics.adapter.source.celery.CeleryRedisKeys.Binding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Finds the Celery queues of a Redis DB for {@code queuePattern}: kombu records every queue it
 * declares as a member {@code rk + sep + pattern + sep + queue} of {@code _kombu.binding.<exchange>}
 * (Celery's task queues: exchange = routing key = queue name). Bindings of Celery's control and
 * event exchanges ({@code celery.pidbox}, {@code reply.celery.pidbox}, any other {@code *.pidbox},
 * {@code celeryev}) are skipped: their queues are per-worker mailboxes, not task queues.
 *
 * <p>Discovery SCANs the whole keyspace (SCAN MATCH is filtered after the scan, so its cost grows
 * with the DB, not with the number of bindings). It runs every poll while it is cheap; when one
 * run took longer than {@link #SLOW_NANOS}, its result is reused for up to {@link #REUSE_NANOS},
 * so a new queue may then take that long to appear. More than {@code maxQueues} matching queues
 * fail the discovery (and the poll) with an error naming the source, the pattern and the count.
 */
final class QueueDiscovery {

    static final long SLOW_NANOS = 100_000_000L;      // 100 ms
    static final long REUSE_NANOS = 30_000_000_000L;  // 30 s
    static final int SCAN_COUNT = 1000;

    /** Queues matching the pattern (sorted) and every binding table read on the way. */
    record Result(List<String> queues, Map<String, List<Binding>> tables) {
    }

    private final CeleryRedisKeys keys;
    private final Pattern queuePattern;
    private final int maxQueues;
    private final IntFunction<String> tooManyQueues;
    private final LongSupplier nanoClock;
    private Result cached;
    private long reuseUntil;

    /** @param tooManyQueues the error message for a count above {@code maxQueues} */
    QueueDiscovery(CeleryRedisKeys keys, Pattern queuePattern, int maxQueues, IntFunction<String> tooManyQueues,
                   LongSupplier nanoClock) {
        this.keys = keys;
        this.queuePattern = queuePattern;
        this.maxQueues = maxQueues;
        this.tooManyQueues = tooManyQueues;
        this.nanoClock = nanoClock;
    }

    static boolean isControlExchange(String exchange) {
        return exchange.equals("celeryev") || exchange.endsWith(".pidbox");
    }

    /** The queues to poll now: a fresh discovery, or the last one while it may be reused. */
    Result discover(Jedis jedis) {
        long start = nanoClock.getAsLong();
        if (cached != null && start - reuseUntil < 0) {
            return cached;
        }
        List<String> exchanges = new ArrayList<>();
        ScanParams params = new ScanParams().match(keys.bindingScanPattern()).count(SCAN_COUNT);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = jedis.scan(cursor, params);
            for (String key : page.getResult()) {
                keys.exchangeOfBindingKey(key).filter(e -> !isControlExchange(e)).ifPresent(exchanges::add);
            }
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        Map<String, List<Binding>> tables = readTables(jedis, keys, exchanges);
        Set<String> queues = new TreeSet<>();
        for (List<Binding> table : tables.values()) {
            for (Binding binding : table) {
                if (!binding.queue().isEmpty() && queuePattern.matcher(binding.queue()).find()) {
                    queues.add(binding.queue());
                }
            }
        }
        if (queues.size() > maxQueues) {
            // fail rather than poll a partial set: a partial sum would look like less work
            throw new IllegalStateException(tooManyQueues.apply(queues.size()));
        }
        cached = new Result(List.copyOf(queues), tables);
        long took = nanoClock.getAsLong() - start;
        reuseUntil = took > SLOW_NANOS ? start + REUSE_NANOS : start;
        return cached;
    }

    /** SMEMBERS of the binding sets of {@code exchanges}, in one pipelined round trip. */
    static Map<String, List<Binding>> readTables(Jedis jedis, CeleryRedisKeys keys, Collection<String> exchanges) {
        Map<String, Response<Set<String>>> pending = new LinkedHashMap<>();
        if (exchanges.isEmpty()) {
            return Map.of();
        }
        Pipeline pipeline = jedis.pipelined();
        for (String exchange : exchanges) {
            pending.put(exchange, pipeline.smembers(keys.bindingKey(exchange)));
        }
        pipeline.sync();
        Map<String, List<Binding>> tables = new HashMap<>();
        pending.forEach((exchange, members) -> {
            List<Binding> table = new ArrayList<>();
            for (String member : members.get()) {
                Optional<Binding> binding = keys.parseBinding(member);
                binding.ifPresent(table::add);
            }
            tables.put(exchange, table);
        });
        return tables;
    }
}
