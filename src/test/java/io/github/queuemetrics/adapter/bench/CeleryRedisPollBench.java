package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.celery.CeleryBenchData;
import io.github.queuemetrics.adapter.source.celery.CeleryRedisSource;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * One poll of 10,000 Celery-on-Redis queues (40,000 lists: the base list and priorities 3, 6, 9,
 * each non-empty with a ~1 KB kombu envelope, plus 2,000 unacked entries). Target (issue 9): under
 * 100 ms, against the floor of the same number of pipelined LLENs by {@code redis-benchmark}.
 *
 * <p>Two series: <b>idle</b>, no list changes between polls (most of a 10,000-queue deployment);
 * <b>busy</b>, every list changes length before each poll (the worst case: every head is read).
 *
 * <p>Times {@code polls} calls of {@link CeleryRedisSource#poll()} after {@code warmup} untimed
 * ones (JIT), and reads the Redis side from {@code INFO}: {@code used_cpu_user + used_cpu_sys}
 * and {@code INFO commandstats} before and after. Both are server-wide, so other clients of the
 * shared Redis add to them (a little: they are small next to 40,000 commands per poll).
 * Uses Redis DB 12 (emptied before and after).
 *
 * <pre>bench/run.sh celery-redis-poll [queues=10000] [polls=20] [warmup=5]</pre>
 */
public final class CeleryRedisPollBench {

    private CeleryRedisPollBench() {
    }

    public static void main(String[] args) throws Exception {
        int queues = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int polls = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        URI db = Brokers.redisUri(12);
        try {
            long fillStart = System.nanoTime();
            List<String> names = CeleryRedisFill.fill(db, queues, 2_000);
            System.out.printf("filled %d queues x 4 lists + 2000 unacked in %.1f s%n", queues,
                    (System.nanoTime() - fillStart) / 1e9);
            double floor = llenFloorMillis(db, queues * 4);
            try (CeleryRedisSource source = new CeleryRedisSource(CeleryBenchData.config("bench", db, names));
                 Jedis redis = new Jedis(db)) {
                for (int i = 0; i < warmup; i++) {
                    source.poll();
                }
                double idle = series("idle (no list changed since the last poll)", source, redis, polls, queues,
                        i -> { });
                List<String> lists = CeleryRedisFill.listKeys(names);
                double busy = series("busy (every list changed: LPUSH one, then RPOP one, alternately)", source,
                        redis, polls, queues, i -> turnOver(redis, lists, i));
                System.out.printf("floor: redis-benchmark -P 1000 LLEN, %d calls: %.1f ms; idle poll %.2fx the floor,"
                        + " busy poll %.2fx; busy/idle %.2f%n", queues * 4, floor, idle / floor, busy / floor, busy / idle);
            }
        } finally {
            CeleryRedisFill.clean(db);
        }
    }

    /** Times {@code polls} polls, {@code between} run untimed before each; prints them; returns the median. */
    private static double series(String name, CeleryRedisSource source, Jedis redis, int polls, int queues,
                                 IntConsumer between) throws Exception {
        String before = BenchStats.machine();
        double cpu = 0;
        Map<String, long[]> statsBefore = commandStats(redis);
        Map<String, long[]> changes = new HashMap<>();
        double[] millis = new double[polls];
        SourceSnapshot last = null;
        for (int i = 0; i < polls; i++) {
            Map<String, long[]> beforeChange = commandStats(redis);
            between.accept(i);
            subtract(changes, commandStats(redis), beforeChange); // the bench's own LPUSH/RPOP
            double cpuBefore = redisCpuSeconds(redis);
            long start = System.nanoTime();
            last = source.poll();
            millis[i] = (System.nanoTime() - start) / 1e6;
            cpu += redisCpuSeconds(redis) - cpuBefore;
        }
        Map<String, long[]> statsAfter = commandStats(redis);
        double ready = last.queues().stream().mapToDouble(s -> s.value(QueueMetric.READY).orElseThrow()).sum();
        if (ready < queues * 4.0) {
            throw new IllegalStateException("expected at least " + queues * 4 + " ready tasks, the poll saw " + ready);
        }
        double median = BenchStats.median(millis);
        System.out.printf("celery-redis-poll %s: %d queues x 4 lists, %d polls: median %.1f ms, p90 %.1f ms, min %.1f ms,"
                        + " max %.1f ms; Redis CPU %.1f ms per poll (server-wide); all polls ms %s | %s before, %s after%n",
                name, queues, polls, median, BenchStats.percentile(millis, 90), BenchStats.percentile(millis, 0),
                BenchStats.percentile(millis, 100), 1000 * cpu / polls, BenchStats.fmt(millis), before,
                BenchStats.machine());
        System.out.println("  Redis commands per poll (calls, usec of Redis time), server-wide deltas:");
        statsAfter.forEach((cmd, after) -> {
            long[] b = statsBefore.getOrDefault(cmd, new long[2]);
            long[] c = changes.getOrDefault(cmd, new long[2]);
            long calls = after[0] - b[0] - c[0];
            if (calls >= polls) {
                System.out.printf("    %-12s %8.0f calls %8.0f us%n", cmd, calls / (double) polls,
                        (after[1] - b[1] - c[1]) / (double) polls);
            }
        });
        return median;
    }

    /** Even rounds LPUSH a new task onto every list, odd rounds RPOP its oldest: every length changes. */
    private static void turnOver(Jedis redis, List<String> lists, int round) {
        try (Pipeline p = redis.pipelined()) {
            for (String list : lists) {
                if (round % 2 == 0) {
                    p.lpush(list, CeleryBenchData.envelope(list));
                } else {
                    p.rpop(list);
                }
            }
            p.sync();
        }
    }

    private static void subtract(Map<String, long[]> into, Map<String, long[]> after, Map<String, long[]> before) {
        after.forEach((cmd, a) -> {
            long[] b = before.getOrDefault(cmd, new long[2]);
            long[] sum = into.computeIfAbsent(cmd, k -> new long[2]);
            sum[0] += a[0] - b[0];
            sum[1] += a[1] - b[1];
        });
    }

    /**
     * The floor: {@code calls} LLENs of one key by redis-benchmark, pipelined 1,000 deep on one
     * connection, as the poll sends them: what Redis and the loopback need for the lengths alone.
     */
    static double llenFloorMillis(URI db, int calls) throws Exception {
        String key = CeleryRedisFill.queueNames(1).get(0);
        Process p = new ProcessBuilder("redis-benchmark", "-h", db.getHost(), "-p",
                String.valueOf(db.getPort() < 0 ? 6379 : db.getPort()), "--dbnum", db.getPath().substring(1),
                "-c", "1", "-P", "1000", "-n", String.valueOf(calls), "-q", "--csv", "LLEN", key)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("redis-benchmark failed: " + out);
        }
        // "test","rps",...: the last CSV line holds the requests per second
        String[] lines = out.trim().split("\\R");
        String rps = lines[lines.length - 1].split(",")[1].replace("\"", "");
        return calls / Double.parseDouble(rps) * 1000;
    }

    static double redisCpuSeconds(Jedis redis) {
        double total = 0;
        for (String line : redis.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return total;
    }

    /** cmdstat_llen:calls=12,usec=34,... as command -> {calls, usec}. */
    static Map<String, long[]> commandStats(Jedis redis) {
        Map<String, long[]> stats = new HashMap<>();
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String cmd = line.substring(8, line.indexOf(':'));
            long calls = 0;
            long usec = 0;
            for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
                String[] p = kv.split("=");
                if (p[0].equals("calls")) {
                    calls = Long.parseLong(p[1]);
                } else if (p[0].equals("usec")) {
                    usec = Long.parseLong(p[1]);
                }
            }
            stats.put(cmd, new long[] {calls, usec});
        }
        return new java.util.TreeMap<>(stats);
    }
}
