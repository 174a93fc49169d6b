package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import io.github.queuemetrics.adapter.testsupport.PythonProcess;
import io.github.queuemetrics.adapter.workers.celery.AmqpPidboxTransport;
import io.github.queuemetrics.adapter.workers.celery.CeleryControl;
import io.github.queuemetrics.adapter.workers.celery.RedisPidboxTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one {@code active} round trip to N workers: this client's pidbox broadcast vs shelling
 * out to {@code celery inspect active} against the same workers. A measurement, not a test.
 *
 * <pre>
 * mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test
 * java -cp target/classes:target/test-classes:$(cat target/test-cp.txt) \
 *     io.github.queuemetrics.adapter.bench.PidboxBench [rabbitmq|redis] [workers=3] [rounds=10]
 * </pre>
 * (run from the repository root: the workers are adapter/workers/celery/tasks.py). It uses the
 * RabbitMQ vhost {@code qma-bench} or Redis DB 7.
 */
public final class PidboxBench {

    /** Medians in milliseconds. */
    public record Result(int workers, int rounds, double pidboxNamedMillis, double pidboxAllMillis,
                         double inspectNamedMillis, double inspectAllMillis) {
        @Override
        public String toString() {
            return String.format("active to %d workers, median of %d: pidbox named %.1f ms, pidbox all (1 s "
                            + "timeout) %.1f ms | celery inspect -d named %.1f ms, celery inspect all %.1f ms",
                    workers, rounds, pidboxNamedMillis, pidboxAllMillis, inspectNamedMillis, inspectAllMillis);
        }
    }

    private PidboxBench() {
    }

    /**
     * Times {@code rounds} calls of each kind. "named" gives the destination list (returns once all
     * answered); "all" broadcasts to everyone and waits Celery's default 1 s timeout (on Redis this
     * client stops once every subscriber PUBLISH reached has answered).
     */
    public static Result measure(CeleryControl control, String celeryBrokerUrl, List<String> nodes, int rounds) {
        Duration timeout = CeleryControl.DEFAULT_TIMEOUT;
        control.active(nodes, timeout); // warm: connection, reply queue
        double[] named = new double[rounds];
        double[] all = new double[rounds];
        double[] inspectNamed = new double[rounds];
        double[] inspectAll = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            named[i] = time(() -> require(control.active(nodes, timeout), nodes.size()));
            all[i] = time(() -> require(control.active(null, timeout), nodes.size()));
            inspectNamed[i] = time(() -> inspect(celeryBrokerUrl, "-d", String.join(",", nodes)));
            inspectAll[i] = time(() -> inspect(celeryBrokerUrl));
        }
        return new Result(nodes.size(), rounds, median(named), median(all), median(inspectNamed), median(inspectAll));
    }

    private static void require(Map<String, ?> replies, int n) {
        if (replies.size() != n) {
            throw new IllegalStateException("expected " + n + " replies, got " + replies.keySet());
        }
    }

    private static void inspect(String brokerUrl, String... extra) {
        List<String> args = new ArrayList<>(List.of("-m", "celery", "-A", "tasks", "inspect", "active"));
        args.addAll(Arrays.asList(extra));
        PythonProcess.run(PythonProcess.WORKERS.resolve("celery"), Map.of("CELERY_BROKER_URL", brokerUrl),
                Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    private static double time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / (double) TimeUnit.MILLISECONDS.toNanos(1);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    public static void main(String[] args) throws Exception {
        String broker = args.length > 0 ? args[0] : "redis";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        URI uri;
        CeleryControl control;
        if (broker.startsWith("rabbit")) {
            uri = Brokers.rabbitVhost("qma-bench");
            control = new CeleryControl(new AmqpPidboxTransport(uri));
        } else {
            uri = Brokers.redisUri(7);
            control = new CeleryControl(new RedisPidboxTransport(uri));
        }
        String celeryUrl = Brokers.celeryBrokerUrl(uri);
        List<CeleryWorker> workers = new ArrayList<>();
        try {
            List<String> nodes = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                CeleryWorker w = CeleryWorker.start(CeleryWorker.Options.of(celeryUrl, "bench" + i + "@qma",
                        "bench-q").concurrency(1));
                workers.add(w);
                nodes.add(w.nodename());
            }
            System.out.println(broker + ": " + measure(control, celeryUrl, nodes, rounds));
        } finally {
            control.close();
            workers.forEach(CeleryWorker::close);
        }
    }
}
