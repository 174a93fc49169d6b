package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the workers' tasks wrote to {@code TASK_LOG} (adapter/workers/celery/tasks.py and
 * adapter/workers/rq/tasks.py): a "start ID WORKER UNIXTIME" line before a task sleeps and
 * "finish ID WORKER UNIXTIME" after it. A task started and never finished was interrupted (its
 * worker was killed; under early ack it is lost).
 */
public final class TaskLedger {

    /**
     * The fate of the tasks enqueued: each finished exactly once, or not. {@code interrupted}: task
     * id to the worker it started on (last).
     */
    public record Summary(int enqueued, int finishedOnce, Map<String, String> interrupted, List<String> neverStarted,
                          List<String> ranTwice) {
        public boolean allFinishedOnce() {
            return finishedOnce == enqueued;
        }

        @Override
        public String toString() {
            return enqueued + " enqueued, " + finishedOnce + " finished exactly once, interrupted " + interrupted
                    + ", never started " + neverStarted + ", ran twice " + ranTwice;
        }
    }

    /** A task's (last) start: on which worker, when. */
    public record Start(String worker, Instant at) {
    }

    private final Path file;

    public TaskLedger(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** "start"/"finish" counts per task id, and on which worker each task last started. */
    public Summary summarize(List<String> enqueued) {
        Map<String, int[]> counts = new HashMap<>(); // {starts, finishes}
        Map<String, String> startedOn = new HashMap<>();
        for (String line : lines()) {
            String[] f = line.trim().split(" ");
            if (f.length < 2) {
                continue; // a line cut by SIGKILL mid-write
            }
            int[] c = counts.computeIfAbsent(f[1], k -> new int[2]);
            if ("start".equals(f[0])) {
                c[0]++;
                startedOn.put(f[1], f.length > 2 ? f[2] : "?");
            } else if ("finish".equals(f[0])) {
                c[1]++;
            }
        }
        int once = 0;
        Map<String, String> interrupted = new java.util.LinkedHashMap<>();
        List<String> neverStarted = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        for (String id : enqueued) {
            int[] c = counts.getOrDefault(id, new int[2]);
            if (c[0] == 0) {
                neverStarted.add(id);
            } else if (c[1] < c[0]) {
                interrupted.put(id, startedOn.get(id));
            }
            if (c[1] > 1) {
                twice.add(id);
            }
            if (c[1] == 1 && c[0] == 1) {
                once++;
            }
        }
        return new Summary(enqueued.size(), once, interrupted, neverStarted, twice);
    }

    /** Each started task's last start. */
    public Map<String, Start> starts() {
        Map<String, Start> starts = new HashMap<>();
        for (String line : lines()) {
            String[] f = line.trim().split(" ");
            if (f.length >= 4 && "start".equals(f[0])) {
                try {
                    long millis = Math.round(Double.parseDouble(f[3]) * 1000);
                    starts.put(f[1], new Start(f[2], Instant.ofEpochMilli(millis)));
                } catch (NumberFormatException e) {
                    // a line cut by SIGKILL mid-write
                }
            }
        }
        return starts;
    }

    private List<String> lines() {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
