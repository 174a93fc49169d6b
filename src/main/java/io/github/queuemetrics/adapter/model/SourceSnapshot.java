package io.github.queuemetrics.adapter.model;

import java.time.Instant;
import java.util.List;

/** The result of one successful poll of one source: every queue it covers, taken at one moment. */
public record SourceSnapshot(String source, Instant takenAt, List<QueueSample> queues) {
    public SourceSnapshot {
        queues = List.copyOf(queues);
    }
}
