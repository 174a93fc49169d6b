package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * One poll of 10,000 RabbitMQ queues with {@code prometheusUri} (one scrape of the
 * rabbitmq_prometheus plugin) against the same poll through the management API only, in one run.
 * Target (issue 9): the Prometheus poll under 500 ms.
 *
 * <p>Creates the vhost {@code qma-bench-prom} with 10,000 durable queues (3 messages in every
 * 100th, as {@code rabbit-poll}), waits until both modes report every queue with its counts, then
 * per round, alternating which mode goes first: the whole {@link RabbitMqSource#poll()} of each
 * mode (both checked: 10,000 queues, the right number of ready messages), and the raw scrape
 * (one GET, HTTP/1.1) with its size, to split the Prometheus poll into the plugin's answer and the
 * adapter's parse. The prometheusUri source's background management listing (the rates and ages)
 * is not run. Deletes the vhost at the end.
 *
 * <pre>bench/run.sh rabbit-prom-poll [queues=10000] [rounds=10]</pre>
 */
public final class RabbitPromPollBench {

    static final String VHOST = "qma-bench-prom";

    private RabbitPromPollBench() {
    }

    public static void main(String[] args) throws Exception {
        int queues = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        URI management = Brokers.rabbitManagementUri();
        URI prometheusUri = Brokers.rabbitPrometheusUri();
        RabbitPollBench.deleteVhost(management, VHOST); // left-overs of an interrupted run would change the counts
        URI amqp = Brokers.rabbitVhost(VHOST);
        try {
            List<String> names = RabbitPollBench.createQueues(amqp, queues);
            SourceConfig viaManagement = new SourceConfig("rabbit", SourceType.RABBITMQ, amqp, management, List.of(VHOST),
                    null, names, null, WorkerKind.NONE, null, Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
            double[] managementMs = new double[rounds];
            double[] prometheusMs = new double[rounds];
            double[] ratio = new double[rounds];
            double[] scrapeMs = new double[rounds];
            long scrapeBytes = 0;
            String before;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI scrape = URI.create(prometheusUri + "/metrics/detailed?vhost=" + VHOST
                    + "&family=queue_coarse_metrics&family=queue_consumer_count");
            try (RabbitMqSource slow = new RabbitMqSource(viaManagement);
                 // the counts poll alone: the background management listing (rates and ages) is never run,
                 // so that its seconds-long requests cannot overlap the timed polls of either mode
                 RabbitMqSource fast = new RabbitMqSource(viaManagement.withPrometheusUri(prometheusUri), task -> { })) {
                awaitComplete(slow, fast, queues);
                before = BenchStats.machine();
                for (int r = 0; r < rounds; r++) {
                    boolean prometheusFirst = r % 2 == 0; // the machine's load drifts: alternate the order
                    if (prometheusFirst) {
                        prometheusMs[r] = timedPoll(fast, queues);
                    }
                    managementMs[r] = timedPoll(slow, queues);
                    if (!prometheusFirst) {
                        prometheusMs[r] = timedPoll(fast, queues);
                    }
                    ratio[r] = managementMs[r] / prometheusMs[r];
                    long t0 = System.nanoTime();
                    byte[] body = http.send(HttpRequest.newBuilder(scrape).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofByteArray()).body();
                    scrapeMs[r] = (System.nanoTime() - t0) / 1e6;
                    scrapeBytes = body.length;
                }
            }
            System.out.printf("rabbit-prom-poll: %d queues, %d rounds, medians: prometheusUri poll %.0f ms (p90 %.0f) | "
                            + "management-only poll %.0f ms (p90 %.0f) | management/prometheus per round: median %.1fx "
                            + "(min %.1fx) | raw scrape %.0f ms, %.2f MB | prometheus polls ms %s | management polls ms %s | "
                            + "%s before, %s after%n",
                    queues, rounds, BenchStats.median(prometheusMs), BenchStats.percentile(prometheusMs, 90),
                    BenchStats.median(managementMs), BenchStats.percentile(managementMs, 90), BenchStats.median(ratio),
                    java.util.Arrays.stream(ratio).min().orElse(0), BenchStats.median(scrapeMs), scrapeBytes / 1e6,
                    BenchStats.fmt(prometheusMs), BenchStats.fmt(managementMs), before, BenchStats.machine());
        } finally {
            RabbitPollBench.deleteVhost(management, VHOST);
        }
    }

    /** Polls both modes until each reports every queue with its counts (statistics arrive every 5 s). */
    private static void awaitComplete(RabbitMqSource slow, RabbitMqSource fast, int queues) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(180).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                RabbitPollBench.check(fast.poll(), queues);
                RabbitPollBench.check(slow.poll(), queues);
                System.out.printf("both modes report all %d queues after %.1f s%n", queues, (System.nanoTime() - start) / 1e9);
                return;
            } catch (IllegalStateException | java.util.NoSuchElementException e) {
                last = String.valueOf(e.getMessage()); // counts not emitted yet for some queues
            }
            Thread.sleep(2000);
        }
        throw new IllegalStateException("after 180 s the sources do not report all " + queues + " queues: " + last);
    }

    private static double timedPoll(RabbitMqSource source, int queues) throws Exception {
        long start = System.nanoTime();
        SourceSnapshot snapshot = source.poll();
        double ms = (System.nanoTime() - start) / 1e6;
        RabbitPollBench.check(snapshot, queues);
        if (snapshot.queues().stream().anyMatch(s -> s.value(QueueMetric.UNACKED).isEmpty())) {
            throw new IllegalStateException(source + " left queue_unacked out for some queue");
        }
        return ms;
    }
}
