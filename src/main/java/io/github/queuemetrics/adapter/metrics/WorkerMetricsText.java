package io.github.queuemetrics.adapter.metrics;

import io.github.queuemetrics.adapter.workers.WorkerDirectory;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-worker gauges: {@code worker_up}, {@code worker_tasks_active}, {@code worker_slots}. */
final class WorkerMetricsText {

    private WorkerMetricsText() {
    }

    static void append(WorkerDirectory directory, Instant now, StringBuilder out) {
        StringBuilder up = new StringBuilder();
        StringBuilder active = new StringBuilder();
        StringBuilder slots = new StringBuilder();
        for (WorkerDirectory.Entry entry : directory.entries()) {
            for (WorkerSummary w : entry.tracker().workers(now)) {
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("source", entry.source().name());
                labels.put("kind", entry.source().workers().configName());
                labels.put("worker", w.worker());
                String l = QueueMetricsText.labels(labels);
                up.append("worker_up").append(l).append(' ').append(w.alive() ? 1 : 0).append('\n');
                active.append("worker_tasks_active").append(l).append(' ').append(w.busySlots()).append('\n');
                slots.append("worker_slots").append(l).append(' ').append(w.slots()).append('\n');
            }
        }
        family(out, "worker_up", "1 while the worker sends heartbeats (Celery) or is registered and heartbeating (RQ)", up);
        family(out, "worker_tasks_active", "tasks the worker is executing", active);
        family(out, "worker_slots", "task slots of the worker (pool concurrency; 1 for RQ; 0 before it answered stats)",
                slots);
    }

    private static void family(StringBuilder out, String name, String help, StringBuilder lines) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(lines);
    }
}
