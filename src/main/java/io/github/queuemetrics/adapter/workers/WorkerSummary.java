package io.github.queuemetrics.adapter.workers;

/** One worker for the per-worker gauges on /metrics. */
public record WorkerSummary(String worker, boolean alive, int busySlots, int slots) {
}
