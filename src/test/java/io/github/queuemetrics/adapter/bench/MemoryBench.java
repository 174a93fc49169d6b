package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.image.Dockerfile;
import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resident memory of the real jar with 10,000 queues configured. Target (issue 9): under 150 MiB.
 *
 * <p>Fills Redis DB 12 with 10,000 Celery queues x 4 lists (as {@link CeleryRedisPollBench}),
 * writes a configuration whose celery-redis source lists all of them (poll every 5 s), then for
 * each set of JVM flags starts {@code java FLAGS -jar target/queue-metrics-adapter.jar}, and for
 * {@code seconds} sends 20 metric GETs per second over HTTPS (an HPA-like selector), scrapes
 * {@code /metrics} every 5 s (the whole 10,000-queue exposition, as Prometheus would) and samples
 * {@code VmRSS} from {@code /proc/PID/status} every second. Reports the last and the highest
 * sample and {@code VmHWM}, the metric GETs' latency, and from the adapter's own {@code /metrics}
 * its mean poll time and CPU use over the second half of the run (JIT flags cost CPU, not memory).
 * DB 12 is emptied at the end.
 *
 * <p>Flag sets (separated by {@code |}): by default the image's JVM flags (read from the
 * Dockerfile) as the JVM sees them under the Deployment's 384 MiB limit ({@code -XX:MaxRAM=384m},
 * which stands in for the container's cgroup limit) and under 256 MiB. The image also sets
 * {@code MALLOC_ARENA_MAX}; the adapter inherits this process's environment, so run the bench with
 * the same value (each result line says which one it ran with).
 *
 * <pre>bench/run.sh memory [queues=10000] [seconds=60] ["flags|flags|..."]</pre>
 */
public final class MemoryBench {

    /** The image's flags under a 384 MiB and a 256 MiB container limit. */
    static String defaultFlagSets() throws java.io.IOException {
        String image = String.join(" ", Dockerfile.read().jvmFlags());
        return "-XX:MaxRAM=384m " + image + "|-XX:MaxRAM=256m " + image;
    }

    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int queues = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        String[] flagSets = (args.length > 2 ? args[2] : defaultFlagSets()).split("\\|");
        URI db = Brokers.redisUri(12);
        Path config = Files.createTempFile("qma-bench-memory", ".yaml");
        List<String> results = new ArrayList<>();
        try {
            List<String> names = CeleryRedisFill.fill(db, queues, 2_000);
            Files.writeString(config, "pollInterval: 5s\nmaxStaleness: 60s\nsources:\n  - name: redis\n"
                    + "    type: celery-redis\n    uri: " + db + "\n    queues: [" + String.join(", ", names) + "]\n");
            for (String flags : flagSets) {
                List<String> jvm = flags.isBlank() ? List.of() : Arrays.asList(flags.trim().split("\\s+"));
                String result = "memory: " + queues + " queues, MALLOC_ARENA_MAX=" + System.getenv("MALLOC_ARENA_MAX")
                        + ", JVM flags [" + String.join(" ", jvm) + "]: "
                        + measure(config, jvm, seconds, names) + " | " + BenchStats.machine();
                System.out.println(result);
                results.add(result);
            }
        } finally {
            CeleryRedisFill.clean(db);
            Files.deleteIfExists(config);
        }
        System.out.println("summary:");
        results.forEach(System.out::println);
    }

    static String measure(Path config, List<String> jvm, int seconds, List<String> names) throws Exception {
        long started = System.nanoTime();
        try (AdapterJar adapter = AdapterJar.start(config, Files.createTempFile("qma-bench-adapter", ".log"), jvm, Map.of(), Duration.ofSeconds(180))) {
            double readySeconds = (System.nanoTime() - started) / 1e9;
            long afterStart = adapter.statusKib("VmRSS");
            AtomicLong maxRss = new AtomicLong(afterStart);
            // the second half's samples: one sample at the end depends on where GC and the trim are
            List<Long> laterRss = java.util.Collections.synchronizedList(new ArrayList<>());
            long sampling = System.nanoTime();
            AtomicLong scrapes = new AtomicLong();
            AtomicLong scrapeBytes = new AtomicLong();
            AtomicReference<Snapshot> halfway = new AtomicReference<>();
            AtomicReference<Snapshot> last = new AtomicReference<>();
            long loadStart = System.nanoTime();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
            timer.scheduleAtFixedRate(() -> {
                try {
                    long kib = adapter.statusKib("VmRSS");
                    maxRss.accumulateAndGet(kib, Math::max);
                    if (System.nanoTime() - sampling >= seconds * 500_000_000L) {
                        laterRss.add(kib);
                    }
                } catch (Exception e) {
                    // the process may be exiting
                }
            }, 1, 1, TimeUnit.SECONDS);
            timer.scheduleAtFixedRate(() -> {
                try {
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(adapter.managementUri("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() == 200) {
                        scrapes.incrementAndGet();
                        scrapeBytes.set(r.body().length);
                        Snapshot now = Snapshot.of(new String(r.body(), StandardCharsets.UTF_8));
                        last.set(now);
                        if (now.nanos() - loadStart >= seconds * 500_000_000L) {
                            halfway.compareAndSet(null, now);
                        }
                    }
                } catch (Exception e) {
                    System.err.println("scrape failed: " + e);
                }
            }, 0, 5, TimeUnit.SECONDS);
            String selector = "source=redis,queue in (" + names.get(17) + "," + names.get(4711) + "," + names.get(9999 % names.size()) + ")";
            URI metric = adapter.secureUri("/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/queue_outstanding"
                    + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
            RateLoad.Result load;
            try (RateLoad rate = new RateLoad(true, 4)) {
                load = rate.run(metric, 20, Duration.ofSeconds(seconds));
            }
            timer.shutdownNow();
            String nmt = nativeMemory(adapter, jvm);
            long rss = adapter.statusKib("VmRSS");
            long hwm = adapter.statusKib("VmHWM");
            return String.format("ready after %.1f s, VmRSS %.0f MiB after start, %.0f MiB after %d s (highest sample "
                            + "%.0f MiB, VmHWM %.0f MiB); %d metric GETs ok, %d errors%s, %d /metrics scrapes of %.1f MB",
                    readySeconds, afterStart / 1024.0, rss / 1024.0, seconds, Math.max(rss, maxRss.get()) / 1024.0,
                    hwm / 1024.0, load.ok(), load.errors(),
                    load.firstError() == null ? "" : " (first: " + load.firstError() + ")", scrapes.get(), scrapeBytes.get() / 1e6)
                    + String.format("; metric GET p50 %.2f ms, p99 %.2f ms", load.latency().getValueAtPercentile(50) / 1000.0,
                            load.latency().getValueAtPercentile(99) / 1000.0)
                    + secondHalfRss(laterRss) + Snapshot.secondHalf(halfway.get(), last.get()) + nmt;
        }
    }

    private static String secondHalfRss(List<Long> kib) {
        synchronized (kib) {
            if (kib.isEmpty()) {
                return "";
            }
            var stats = kib.stream().mapToLong(Long::longValue).summaryStatistics();
            return String.format("; VmRSS over the second half (%d samples): mean %.1f MiB [%.0f-%.0f]", stats.getCount(),
                    stats.getAverage() / 1024, stats.getMin() / 1024.0, stats.getMax() / 1024.0);
        }
    }

    /**
     * What the adapter's own /metrics says at one scrape: the polls of the source so far (their
     * count and summed time) and the process's CPU time, to compare flag sets (the JIT's) by the
     * work the adapter does with them, not only by memory.
     */
    record Snapshot(long nanos, double polls, double pollSeconds, double cpuSeconds) {

        private static final Pattern POLL_COUNT = Pattern
                .compile("(?m)^adapter_poll_seconds_count\\{[^}]*} (\\S+)$");
        private static final Pattern POLL_SUM = Pattern
                .compile("(?m)^adapter_poll_seconds_sum\\{[^}]*} (\\S+)$");
        private static final Pattern CPU = Pattern
                .compile("(?m)^process_cpu_time_ns_total (\\S+)$");

        static Snapshot of(String exposition) {
            return new Snapshot(System.nanoTime(), value(POLL_COUNT, exposition), value(POLL_SUM, exposition),
                    value(CPU, exposition) / 1e9);
        }

        private static double value(Pattern p, String exposition) {
            Matcher m = p.matcher(exposition);
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        }

        /** Mean poll time and CPU use between the first scrape past half the run and the last one. */
        static String secondHalf(Snapshot from, Snapshot to) {
            if (from == null || to == null || to.nanos() <= from.nanos()) {
                return "; second half: no scrapes";
            }
            double polls = to.polls() - from.polls();
            double wall = (to.nanos() - from.nanos()) / 1e9;
            return String.format("; second half (%.0f s): %.0f polls, mean poll %.1f ms, adapter CPU %.1f%% of a core",
                    wall, polls, polls > 0 ? (to.pollSeconds() - from.pollSeconds()) / polls * 1000 : Double.NaN,
                    (to.cpuSeconds() - from.cpuSeconds()) / wall * 100);
        }
    }

    /** With -XX:NativeMemoryTracking=summary: the committed KiB of each JVM area, from jcmd. */
    static String nativeMemory(AdapterJar adapter, List<String> jvm) throws Exception {
        if (jvm.stream().noneMatch(f -> f.startsWith("-XX:NativeMemoryTracking"))) {
            return "";
        }
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(adapter.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        StringBuilder sb = new StringBuilder("; NMT committed:");
        Matcher m = Pattern
                .compile("(?m)^(?:-\\s+|\\s*)(Total|[A-Z][A-Za-z ]+?):? \\(?reserved=\\d+KB, committed=(\\d+)KB").matcher(out);
        while (m.find()) {
            long kib = Long.parseLong(m.group(2));
            if (kib >= 2048) {
                sb.append(' ').append(m.group(1).trim()).append(' ').append(kib / 1024).append(" MiB,");
            }
        }
        return sb.toString();
    }
}
