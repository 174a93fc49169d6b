package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Probe answers at a constant rate: p50/p99/p99.9 of GETs sent open-loop (see {@link RateLoad})
 * at {@code rate} requests per second. Target: p99 under 1 ms at 2,000 req/s.
 *
 * <pre>
 * bench/run.sh probe-rate                         # starts the real jar, targets /healthz on its management port
 * bench/run.sh probe-rate URL [rate] [seconds]    # any URL, e.g. http://127.0.0.1:8080/probe/celery/w1@host
 * </pre>
 * Without a URL it starts {@code target/queue-metrics-adapter.jar} (default JVM flags) with one
 * celery-redis source over Redis DB 13 (one empty queue) and measures {@code /healthz}, a Vert.x
 * route of the same shape as the probes (management router, metrics handler, constant answer).
 * A warm-up run at the same rate comes first and is not counted.
 */
public final class ProbeRateBench {

    private ProbeRateBench() {
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 && !args[0].equals("-") ? args[0] : null;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        if (url != null) {
            System.out.println(measure(URI.create(url), rate, seconds, connections));
            return;
        }
        Path config = Files.createTempFile("qma-bench-probe", ".yaml");
        Files.writeString(config, "pollInterval: 5s\nsources:\n  - name: probe-bench\n    type: celery-redis\n"
                + "    uri: " + Brokers.redisUri(13) + "\n    queues: [qma-bench-probe]\n");
        try (AdapterJar adapter = AdapterJar.start(config, Files.createTempFile("qma-bench-adapter", ".log"), List.of(), Map.of(), Duration.ofSeconds(60))) {
            System.out.println(measure(adapter.managementUri("/healthz"), rate, seconds, connections));
        } finally {
            Files.deleteIfExists(config);
        }
    }

    static String measure(URI target, int rate, int seconds, int connections) throws Exception {
        try (RateLoad load = new RateLoad(target.getScheme().equals("https"), connections)) {
            RateLoad.Result warm = load.run(target, rate, Duration.ofSeconds(Math.min(10, seconds)));
            System.out.println("warm-up (not counted): " + warm);
            String before = BenchStats.machine();
            RateLoad.Result result = load.run(target, rate, Duration.ofSeconds(seconds));
            return "probe-rate: " + result + " | " + before + " before, " + BenchStats.machine() + " after";
        }
    }
}
