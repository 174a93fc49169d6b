package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What {@link SoakBench} saw: answers by status, values below the truth, recoveries, failures. */
final class SoakTally {

    /** A broker that came back, waiting for its source's first fresh poll. */
    private record Pending(long backAtNanos, String outage) {
    }

    private final Map<String, Long> truthFloor;
    private final Map<String, AtomicLong> metricStatuses = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> probeStatuses = new ConcurrentHashMap<>();
    private final AtomicLong belowTruth = new AtomicLong();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final List<String> recoveries = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Double> recoverySeconds = java.util.Collections.synchronizedList(new ArrayList<>());

    SoakTally(Map<String, Long> truthFloor) {
        this.truthFloor = truthFloor;
    }

    void metricAnswer(String source, HttpResponse<String> r, Throwable e) {
        String status = e != null ? "no answer (" + e.getClass().getSimpleName() + ")" : Integer.toString(r.statusCode());
        metricStatuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        if (e != null || (r.statusCode() != 200 && r.statusCode() != 503)) {
            problem(source + ": " + status + (r == null ? "" : " " + r.body()));
            return;
        }
        if (r.statusCode() == 200) {
            var items = new JsonObject(r.body()).getJsonArray("items");
            if (items.size() != 1) {
                problem(source + ": " + items.size() + " items: " + r.body());
                return;
            }
            long value = quantity(items.getJsonObject(0).getString("value"));
            if (value < truthFloor.get(source)) {
                belowTruth.incrementAndGet();
                problem(source + ": served " + value + ", the queue never held fewer than " + truthFloor.get(source));
            }
        }
    }

    void probeAnswer(HttpResponse<Void> r, Throwable e) {
        String status = e != null ? "no answer (" + e.getClass().getSimpleName() + ")" : Integer.toString(r.statusCode());
        probeStatuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        if (e != null || r.statusCode() != 200) {
            problem("probe: " + status);
        }
    }

    void brokerBack(String source, String outage) {
        pending.put(source, new Pending(System.nanoTime(), source + " " + outage));
    }

    /** From a /metrics scrape: a source waiting for its broker is fresh again once its values are under 2 s old. */
    void freshness(String metrics) {
        if (metrics == null) {
            return;
        }
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            double age = ageSeconds(metrics, p.getKey());
            if (age < 2) {
                double took = (System.nanoTime() - p.getValue().backAtNanos()) / 1e9;
                if (pending.remove(p.getKey(), p.getValue())) {
                    recoverySeconds.add(took);
                    recoveries.add(String.format("%s: fresh %.1f s after it came back", p.getValue().outage(), took));
                }
            }
        }
    }

    static double ageSeconds(String metrics, String source) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith("adapter_metric_age_seconds{") && line.contains("source=\"" + source + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    static String scrape(HttpClient http, AdapterJar adapter) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(adapter.managementUri("/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** VmRSS and thread count of the process, from /proc. */
    static String resources(long pid) {
        try {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            String rss = status.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElse("VmRSS: ?").trim();
            String threads = status.lines().filter(l -> l.startsWith("Threads:")).findFirst().orElse("Threads: ?").trim();
            return java.time.Instant.now() + " " + rss.replaceAll("\\s+", " ") + ", " + threads.replaceAll("\\s+", " ");
        } catch (Exception e) {
            return "cannot read /proc/" + pid + ": " + e;
        }
    }

    /** A Kubernetes quantity as the adapter writes counts: an integer, maybe with k, M or G, or milli-units. */
    static long quantity(String q) {
        char last = q.charAt(q.length() - 1);
        BigDecimal number = Character.isDigit(last) ? new BigDecimal(q) : new BigDecimal(q.substring(0, q.length() - 1));
        BigDecimal scaled = switch (last) {
            case 'm' -> number.movePointLeft(3);
            case 'k' -> number.movePointRight(3);
            case 'M' -> number.movePointRight(6);
            case 'G' -> number.movePointRight(9);
            default -> number;
        };
        return scaled.longValue();
    }

    private void problem(String what) {
        if (problems.size() < 20) {
            problems.add(java.time.Instant.now() + " " + what);
        }
    }

    String report(int minutes, int rate) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("soak: %d min, %d metric GETs/s + /readyz and /livez 5/s each + /metrics 4/s%n",
                minutes, rate));
        out.append("  metric answers by status: ").append(new TreeMap<>(metricStatuses)).append('\n');
        out.append("  probe answers by status: ").append(new TreeMap<>(probeStatuses)).append('\n');
        out.append("  values below the truth (0 or less than the queue ever held): ").append(belowTruth.get()).append('\n');
        recoveries.forEach(r -> out.append("  ").append(r).append('\n'));
        pending.values().forEach(p -> out.append("  ").append(p.outage()).append(": NOT fresh again by the end\n"));
        double worst = recoverySeconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        out.append(String.format("  slowest recovery %.1f s over %d outages%n", worst, recoverySeconds.size()));
        out.append("  problems (first 20): ").append(problems.isEmpty() ? "none" : "").append('\n');
        problems.forEach(p -> out.append("    ").append(p).append('\n'));
        return out.toString();
    }
}
