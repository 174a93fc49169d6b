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
        return start(options, extraEnv, List.of());
    }

    /**
     * As {@link #start(Options, Map)}, with extra {@code celery worker} arguments (e.g.
     * {@code --without-heartbeat}; the worker always runs {@code --without-gossip --without-mingle}).
     */
    public static CeleryWorker start(Options options, Map<String, String> extraEnv, List<String> extraArgs) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("CELERY_BROKER_URL", options.brokerUrl());
        env.put("CELERY_ACKS_LATE", options.acksLate() ? "1" : "0");
        env.put("CELERY_PREFETCH_MULTIPLIER", Integer.toString(options.prefetchMultiplier()));
        env.put("CELERY_TASK_EVENTS", options.taskEvents() ? "1" : "0");
        List<String> args = new ArrayList<>(List.of("-m", "celery", "-A", "tasks", "worker",
                "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "-n", options.nodename(), "-Q", String.join(",", options.queues()),
                "-c", Integer.toString(options.concurrency()), "--pool", "prefork"));
        args.addAll(extraArgs);
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

    /** Enqueues one tasks.sleep per entry of {@code durations} (seconds), in order; returns ids. */
    public static List<String> enqueueDurations(String brokerUrl, String queue, List<Double> durations) {
        String list = String.join(",", durations.stream().map(d -> Double.toString(d)).toList());
        return PythonProcess.run(PythonProcess.WORKERS.resolve("celery"), Map.of("CELERY_BROKER_URL", brokerUrl),
                Duration.ofSeconds(60), "enqueue.py", "--queue", queue, "--durations", list);
    }

    /**
     * {@code celery inspect active --json}: what the workers say they execute, read by Celery's
     * own client, independently of the adapter's. Keyed by nodename.
     */
    public static String inspectActiveJson(String brokerUrl, Duration timeout) {
        List<String> lines = PythonProcess.run(PythonProcess.WORKERS.resolve("celery"),
                Map.of("CELERY_BROKER_URL", brokerUrl), Duration.ofSeconds(60), "-m", "celery", "-A", "tasks",
                "inspect", "active", "--json", "--timeout", Double.toString(timeout.toMillis() / 1000.0));
        return lines.stream().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no JSON from celery inspect active: " + lines));
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
