package io.github.queuemetrics.adapter.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real Celery worker (adapter/workers/celery/tasks.py) for integration tests. */
public final class CeleryWorker implements AutoCloseable {

    private final PythonProcess process;
    private final String nodename;

    private CeleryWorker(PythonProcess process, String nodename) {
        this.process = process;
        this.nodename = nodename;
    }

    /** Options of one worker; defaults: concurrency 1, prefetch multiplier 1, early ack, no task events. */
    public record Options(String brokerUrl, String nodename, List<String> queues, int concurrency,
                          int prefetchMultiplier, boolean acksLate, boolean taskEvents) {
        public static Options of(String brokerUrl, String nodename, String... queues) {
            return new Options(brokerUrl, nodename, List.of(queues), 1, 1, false, false);
        }

        public Options concurrency(int n) {
            return new Options(brokerUrl, nodename, queues, n, prefetchMultiplier, acksLate, taskEvents);
        }

        public Options prefetchMultiplier(int n) {
            return new Options(brokerUrl, nodename, queues, concurrency, n, acksLate, taskEvents);
        }

        public Options acksLate(boolean late) {
            return new Options(brokerUrl, nodename, queues, concurrency, prefetchMultiplier, late, taskEvents);
        }

        public Options taskEvents(boolean events) {
            return new Options(brokerUrl, nodename, queues, concurrency, prefetchMultiplier, acksLate, events);
        }
    }

    /** Starts the worker and waits for its "ready." line. */
    public static CeleryWorker start(Options options) {
        return start(options, Map.of());
    }

    /**
     * Starts the worker with extra environment for tasks.py (e.g. CELERY_TRANSPORT_OPTIONS) and
     * waits for its "ready." line.
     */
    public static CeleryWorker start(Options options, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("CELERY_BROKER_URL", options.brokerUrl());
        env.put("CELERY_ACKS_LATE", options.acksLate() ? "1" : "0");
        env.put("CELERY_PREFETCH_MULTIPLIER", Integer.toString(options.prefetchMultiplier()));
        env.put("CELERY_TASK_EVENTS", options.taskEvents() ? "1" : "0");
        List<String> args = new ArrayList<>(List.of("-m", "celery", "-A", "tasks", "worker",
                "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "-n", options.nodename(), "-Q", String.join(",", options.queues()),
                "-c", Integer.toString(options.concurrency()), "--pool", "prefork"));
        PythonProcess p = PythonProcess.start(PythonProcess.WORKERS.resolve("celery"), env,
                options.nodename(), args.toArray(String[]::new));
        try {
            p.awaitLine(line -> line.contains(" ready."), Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            p.kill();
            throw e;
        }
        return new CeleryWorker(p, options.nodename());
    }

    /** Enqueues {@code count} tasks.sleep(seconds) on {@code queue} with the real Celery client; returns ids. */
    public static List<String> enqueue(String brokerUrl, String queue, int count, double seconds, Integer priority) {
        return enqueue(brokerUrl, queue, count, seconds, priority, Map.of());
    }

    /** As {@link #enqueue(String, String, int, double, Integer)}, with extra environment for tasks.py. */
    public static List<String> enqueue(String brokerUrl, String queue, int count, double seconds, Integer priority,
                                       Map<String, String> extraEnv) {
        List<String> args = new ArrayList<>(List.of("enqueue.py", "--queue", queue, "--count",
                Integer.toString(count), "--seconds", Double.toString(seconds)));
        if (priority != null) {
            args.add("--priority");
            args.add(priority.toString());
        }
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("CELERY_BROKER_URL", brokerUrl);
        return PythonProcess.run(PythonProcess.WORKERS.resolve("celery"), env,
                Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    public String nodename() {
        return nodename;
    }

    public PythonProcess process() {
        return process;
    }

    /** SIGKILL of the worker and its pool children. */
    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
