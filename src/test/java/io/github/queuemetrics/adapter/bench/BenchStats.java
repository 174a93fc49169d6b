package io.github.queuemetrics.adapter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Small helpers shared by the benches: percentiles of a few samples, and what the machine was doing. */
final class BenchStats {

    private BenchStats() {
    }

    /** Nearest-rank percentile ({@code p} in 0..100) of unsorted samples. */
    static double percentile(double[] samples, double p) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double median(double[] samples) {
        return percentile(samples, 50);
    }

    /** "load average 1.23 0.98 0.75, 2 cpus": other helpers share this machine, say how busy it was. */
    static String machine() {
        String load;
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load = parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            load = "?";
        }
        return "load average " + load + ", " + Runtime.getRuntime().availableProcessors() + " cpus";
    }

    static String millis(double nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    static String fmt(double[] millis) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < millis.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.0f", millis[i]));
        }
        return sb.append(']').toString();
    }
}
