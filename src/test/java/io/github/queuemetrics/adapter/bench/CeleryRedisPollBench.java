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
import redis.clients.jedis.Jedis;

/**
 * One poll of 10,000 Celery-on-Redis queues (40,000 lists: the base list and priorities 3, 6, 9,
 * each non-empty with a ~1 KB kombu envelope, plus 2,000 unacked entries). Target: under 250 ms.
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
            try (CeleryRedisSource source = new CeleryRedisSource(CeleryBenchData.config("bench", db, names));
                 Jedis info = new Jedis(db)) {
                for (int i = 0; i < warmup; i++) {
                    source.poll();
                }
                String before = BenchStats.machine();
                double cpuBefore = redisCpuSeconds(info);
                Map<String, long[]> statsBefore = commandStats(info);
                double[] millis = new double[polls];
                SourceSnapshot last = null;
                for (int i = 0; i < polls; i++) {
                    long start = System.nanoTime();
                    last = source.poll();
                    millis[i] = (System.nanoTime() - start) / 1e6;
                }
                double redisCpu = redisCpuSeconds(info) - cpuBefore;
                Map<String, long[]> statsAfter = commandStats(info);
                double ready = last.queues().stream().mapToDouble(s -> s.value(QueueMetric.READY).orElseThrow()).sum();
                if (ready != queues * 4.0) {
                    throw new IllegalStateException("expected " + queues * 4 + " ready tasks, the poll saw " + ready);
                }
                System.out.printf("celery-redis-poll: %d queues x 4 lists, %d polls (after %d warm-up): median %.1f ms, "
                                + "p90 %.1f ms, min %.1f ms, max %.1f ms; Redis CPU %.1f ms per poll (server-wide); "
                                + "all polls ms %s | %s before, %s after%n",
                        queues, polls, warmup, BenchStats.median(millis), BenchStats.percentile(millis, 90),
                        BenchStats.percentile(millis, 0), BenchStats.percentile(millis, 100),
                        1000 * redisCpu / polls, BenchStats.fmt(millis), before, BenchStats.machine());
                System.out.println("Redis commands per poll (calls, usec of Redis time), server-wide deltas:");
                statsAfter.forEach((cmd, after) -> {
                    long[] b = statsBefore.getOrDefault(cmd, new long[2]);
                    long calls = after[0] - b[0];
                    if (calls >= polls) {
                        System.out.printf("  %-12s %8.0f calls %8.0f us%n", cmd, calls / (double) polls,
                                (after[1] - b[1]) / (double) polls);
                    }
                });
            }
        } finally {
            CeleryRedisFill.clean(db);
        }
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
