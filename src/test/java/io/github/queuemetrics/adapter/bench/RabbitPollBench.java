package io.github.queuemetrics.adapter.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.sun.net.httpserver.HttpServer;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitBenchAccess;
import io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One poll of 10,000 RabbitMQ queues through the management API (20 pages of 500). Target: the
 * adapter's own share (request, parse, build, store) under 200 ms; the whole poll is reported too.
 *
 * <p>Creates the vhost {@code qma-bench-poll} with 10,000 queues (3 messages in every 100th), waits
 * until the plugin reports counts for all of them, then per round:
 * <ol>
 * <li><b>poll</b>: {@link RabbitMqSource#poll()} against the real broker, the whole time;</li>
 * <li><b>broker</b>: the same 20 page requests sent raw (JDK HttpClient, HTTP/1.1, as the adapter
 *     does), timing the response headers (time to first byte: the plugin's work) and the body
 *     download, and capturing the bodies;</li>
 * <li><b>parse</b>: the captured bodies re-parsed with the adapter's {@code ManagementQueuesParser};</li>
 * <li><b>adapter share</b>: {@link RabbitMqSource#poll()} against a local replay server answering
 *     the captured bodies from memory (so the broker costs ~0): request over loopback, parse, build
 *     the samples; plus {@link MetricStore#recordSuccess} of the snapshot.</li>
 * </ol>
 * Deletes the vhost at the end.
 *
 * <pre>bench/run.sh rabbit-poll [queues=10000] [rounds=10]</pre>
 */
public final class RabbitPollBench {

    static final String VHOST = "qma-bench-poll";

    private RabbitPollBench() {
    }

    public static void main(String[] args) throws Exception {
        int queues = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        URI management = Brokers.rabbitManagementUri();
        deleteVhost(management); // a fresh vhost: left-overs of an interrupted run would change the counts
        URI amqp = Brokers.rabbitVhost(VHOST);
        try {
            List<String> names = createQueues(amqp, queues);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String auth = "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
            awaitCounts(http, auth, management, amqp, queues);

            SourceConfig real = config(amqp, management, names);
            double[] poll = new double[rounds];
            double[] ttfb = new double[rounds];
            double[] download = new double[rounds];
            double[] parse = new double[rounds];
            double[] replay = new double[rounds];
            double[] store = new double[rounds];
            long bytes = 0;
            int pages = 0;
            String before = BenchStats.machine();
            try (RabbitMqSource source = new RabbitMqSource(real)) {
                source.poll(); // warm-up: connection, JIT
                for (int r = 0; r < rounds; r++) {
                    long start = System.nanoTime();
                    SourceSnapshot snapshot = source.poll();
                    poll[r] = (System.nanoTime() - start) / 1e6;
                    check(snapshot, queues);

                    List<byte[]> bodies = new ArrayList<>();
                    long headersNanos = 0;
                    long bodyNanos = 0;
                    int pageCount = 1;
                    for (int page = 1; page <= pageCount; page++) {
                        HttpRequest request = HttpRequest.newBuilder(RabbitBenchAccess.pageUri(management, amqp, VHOST, page))
                                .header("Authorization", auth).header("Accept", "application/json")
                                .timeout(Duration.ofSeconds(30)).build();
                        long[] headersAt = new long[1];
                        long t0 = System.nanoTime();
                        // The body handler is called when the response headers have arrived.
                        byte[] body = http.send(request, info -> {
                            headersAt[0] = System.nanoTime();
                            return HttpResponse.BodySubscribers.ofByteArray();
                        }).body();
                        long t2 = System.nanoTime();
                        long t1 = headersAt[0];
                        headersNanos += t1 - t0;
                        bodyNanos += t2 - t1;
                        bodies.add(body);
                        pageCount = RabbitBenchAccess.parse(body, VHOST).pageCount();
                    }
                    ttfb[r] = headersNanos / 1e6;
                    download[r] = bodyNanos / 1e6;
                    pages = bodies.size();
                    bytes = bodies.stream().mapToLong(b -> b.length).sum();

                    long p0 = System.nanoTime();
                    int parsed = 0;
                    for (byte[] body : bodies) {
                        parsed += RabbitBenchAccess.parse(body, VHOST).queues();
                    }
                    parse[r] = (System.nanoTime() - p0) / 1e6;
                    if (parsed != queues) {
                        throw new IllegalStateException("parsed " + parsed + " queues, expected " + queues);
                    }

                    double[] share = replay(bodies, amqp, names);
                    replay[r] = share[0];
                    store[r] = share[1];
                }
            }
            System.out.printf("rabbit-poll: %d queues, %d pages, %.1f MB per poll, %d rounds, medians: whole poll %.0f ms "
                            + "(p90 %.0f) | broker: time to first byte %.0f ms + body download %.0f ms (sum over pages) | "
                            + "adapter share: parse only %.1f ms; request+parse+build against a local replay %.1f ms "
                            + "(p90 %.1f) + store %.2f ms | polls ms %s | %s before, %s after%n",
                    queues, pages, bytes / 1e6, rounds, BenchStats.median(poll), BenchStats.percentile(poll, 90),
                    BenchStats.median(ttfb), BenchStats.median(download), BenchStats.median(parse),
                    BenchStats.median(replay), BenchStats.percentile(replay, 90), BenchStats.median(store),
                    BenchStats.fmt(poll), before, BenchStats.machine());
        } finally {
            deleteVhost(management);
        }
    }

    /** Declares the queues on one channel without waiting for each reply; every 100th gets 3 messages. */
    static List<String> createQueues(URI amqp, int queues) throws Exception {
        long start = System.nanoTime();
        List<String> names = new ArrayList<>();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        try (Connection connection = factory.newConnection("qma-bench"); Channel channel = connection.createChannel()) {
            for (int i = 0; i < queues; i++) {
                String name = String.format("qma-bench-%05d", i);
                names.add(name);
                channel.queueDeclareNoWait(name, true, false, false, null);
                if (i % 100 == 0) {
                    for (int m = 0; m < 3; m++) {
                        channel.basicPublish("", name, null, "{\"task\":\"tasks.sleep\"}".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            channel.queueDeclarePassive(names.get(names.size() - 1)); // a round trip: all declared
        }
        System.out.printf("declared %d queues in %.1f s%n", queues, (System.nanoTime() - start) / 1e9);
        return names;
    }

    /** Waits until the plugin lists every queue with its counts (statistics arrive every 5 s). */
    static void awaitCounts(HttpClient http, String auth, URI management, URI amqp, int queues) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        int known = 0;
        while (System.nanoTime() < deadline) {
            known = 0;
            int pageCount = 1;
            for (int page = 1; page <= pageCount; page++) {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(RabbitBenchAccess.pageUri(management, amqp, VHOST, page))
                        .header("Authorization", auth).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                RabbitBenchAccess.PageSummary summary = RabbitBenchAccess.parse(r.body(), VHOST);
                pageCount = summary.pageCount();
                known += summary.countsKnown();
            }
            if (known == queues) {
                return;
            }
            Thread.sleep(2000);
        }
        throw new IllegalStateException("after 120 s the management API reports counts for " + known + " of "
                + queues + " queues");
    }

    static void check(SourceSnapshot snapshot, int queues) {
        double ready = snapshot.queues().stream().mapToDouble(s -> s.value(QueueMetric.READY).orElseThrow()).sum();
        int expected = 3 * ((queues + 99) / 100);
        if (snapshot.queues().size() != queues || ready != expected) {
            throw new IllegalStateException("poll saw " + snapshot.queues().size() + " queues and " + ready
                    + " ready messages; expected " + queues + " and " + expected);
        }
    }

    /** {request+parse+build ms, store ms} of one poll against a server replaying {@code bodies}. */
    static double[] replay(List<byte[]> bodies, URI amqp, List<String> names) throws Exception {
        // Without TCP_NODELAY the JDK server's header write and body write meet the client's delayed
        // ACK: 40 ms per request that are no part of the adapter.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = bodies.get(RabbitBenchAccess.page(exchange.getRequestURI()) - 1);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            SourceConfig config = config(amqp, URI.create("http://127.0.0.1:" + server.getAddress().getPort()), names);
            MetricStore store = new MetricStore(List.of(config), Clock.systemUTC());
            try (RabbitMqSource source = new RabbitMqSource(config)) {
                source.poll(); // connection set-up is not per poll in the adapter
                long t0 = System.nanoTime();
                SourceSnapshot snapshot = source.poll();
                long t1 = System.nanoTime();
                store.recordSuccess(snapshot);
                long t2 = System.nanoTime();
                check(snapshot, names.size());
                return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
            }
        } finally {
            server.stop(0);
        }
    }

    static SourceConfig config(URI amqp, URI management, List<String> names) {
        return new SourceConfig("rabbit", SourceType.RABBITMQ, amqp, management, List.of(VHOST), null, names, null,
                WorkerKind.NONE, null, Duration.ofSeconds(5), Duration.ofSeconds(30), null, null, null);
    }

    static void deleteVhost(URI management) throws Exception {
        deleteVhost(management, VHOST);
    }

    static void deleteVhost(URI management, String vhost) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(management.resolve("/api/vhosts/" + vhost))
                .header("Authorization", auth).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("deleted vhost " + vhost + ": " + r.statusCode());
    }
}
