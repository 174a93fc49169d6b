package io.github.queuemetrics.adapter.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real RQ worker (adapter/workers/rq/tasks.py) for integration tests. */
public final class RqWorker implements AutoCloseable {

    private final PythonProcess process;
    private final String name;

    private RqWorker(PythonProcess process, String name) {
        this.process = process;
        this.name = name;
    }

    /** Starts `rq worker` named {@code name} on {@code queues} and waits until it listens. */
    public static RqWorker start(String redisUrl, String name, String... queues) {
        return start(redisUrl, name, List.of(), queues);
    }

    /**
     * Same, with extra `rq worker` options before the queue names, e.g.
     * {@code List.of("--worker-ttl", "5")} (rq 1.13 has --worker-ttl and --job-monitoring-interval).
     */
    public static RqWorker start(String redisUrl, String name, List<String> options, String... queues) {
        return start(redisUrl, name, options, Map.of(), queues);
    }

    /** Same, with extra environment for tasks.py (e.g. TASK_LOG). */
    public static RqWorker start(String redisUrl, String name, List<String> options, Map<String, String> env,
                                 String... queues) {
        List<String> args = new ArrayList<>(List.of("-m", "rq.cli", "worker", "--url", redisUrl, "--name", name,
                "--with-scheduler"));
        args.addAll(options);
        args.addAll(List.of(queues));
        PythonProcess p = PythonProcess.start(PythonProcess.WORKERS.resolve("rq"), env, name,
                args.toArray(String[]::new));
        try {
            p.awaitLine(line -> line.contains("Listening on") || line.contains("*** Listening"), Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            p.kill();
            throw e;
        }
        return new RqWorker(p, name);
    }

    /** Enqueues {@code count} tasks.sleep(seconds) jobs with the real RQ client; returns job ids. */
    public static List<String> enqueue(String redisUrl, String queue, int count, double seconds) {
        return PythonProcess.run(PythonProcess.WORKERS.resolve("rq"), Map.of(), Duration.ofSeconds(60),
                "enqueue.py", "--redis", redisUrl, "--queue", queue, "--count", Integer.toString(count),
                "--seconds", Double.toString(seconds));
    }

    /** Enqueues one tasks.sleep per entry of {@code durations} (seconds), in order; returns job ids. */
    public static List<String> enqueueDurations(String redisUrl, String queue, List<Double> durations) {
        String list = String.join(",", durations.stream().map(d -> Double.toString(d)).toList());
        return PythonProcess.run(PythonProcess.WORKERS.resolve("rq"), Map.of(), Duration.ofSeconds(60),
                "enqueue.py", "--redis", redisUrl, "--queue", queue, "--durations", list);
    }

    public String name() {
        return name;
    }

    public PythonProcess process() {
        return process;
    }

    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
