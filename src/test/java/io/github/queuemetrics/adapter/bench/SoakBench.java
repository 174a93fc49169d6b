package io.github.queuemetrics.adapter.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TcpProxy;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.Jedis;

/**
 * Issue 9's soak: the packaged jar with the image's JVM flags, HPA-like metric GETs and probes at a
 * fixed rate for {@code minutes}, while its two brokers are made to fail through TCP proxies (the
 * shared brokers themselves are never touched): refused (a restart), hung (accepts and never answers)
 * and flooded (tens of thousands of messages at once). The truth never drops below the first counts
 * (messages are only ever added), so every served value is checked against them: a 0 or anything
 * lower is a false number. Reported: answers by status (only 200 and the staleness rule's 503 are
 * allowed), values below the truth, how long each source took to be fresh again after its broker
 * came back (one poll is 1 s), and resident memory and threads every 10 s.
 *
 * <pre>bench/run.sh soak [minutes=10] [getsPerSecond=20]</pre>
 */
public final class SoakBench {

    static final String QUEUE = "soak";
    static final int REDIS_DB = 13;
    static final String VHOST = "soak-bench";

    private SoakBench() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        URI redis = Brokers.redisUri(REDIS_DB);
        URI amqp = Brokers.rabbitVhost(VHOST);
        URI management = Brokers.rabbitManagementUri();
        Path dir = Files.createTempDirectory("qma-soak-");
        try (Jedis jedis = new Jedis(redis); TcpProxy redisProxy = new TcpProxy(redis.getHost(), redis.getPort());
             TcpProxy amqpProxy = new TcpProxy(amqp.getHost(), amqp.getPort());
             TcpProxy managementProxy = new TcpProxy(management.getHost(), management.getPort());
             Connection rabbit = rabbitConnection(amqp); Channel channel = rabbit.createChannel()) {
            jedis.del(QUEUE);
            channel.queueDeclare(QUEUE, true, false, false, null);
            channel.queuePurge(QUEUE);
            Floods floods = new Floods(jedis, channel);
            floods.add(500, 300);
            Map<String, Long> truthFloor = Map.of("redis", 500L, "rabbit", 300L);
            String yaml = """
                    pollInterval: 1s
                    maxStaleness: 60s
                    sources:
                      - name: redis
                        type: celery-redis
                        uri: redis://%s:%d/%d
                        queues: [%s]
                      - name: rabbit
                        type: rabbitmq
                        amqpUri: amqp://%s@127.0.0.1:%d/%s
                        managementUri: http://%s@127.0.0.1:%d
                        queues: [%s]
                    """.formatted("127.0.0.1", redisProxy.port(), REDIS_DB, QUEUE, amqp.getUserInfo(), amqpProxy.port(),
                    VHOST, amqp.getUserInfo(), managementProxy.port(), QUEUE);
            try (AdapterJar adapter = AdapterJar.start(dir, yaml, imageJvmFlags(), Map.of("MALLOC_ARENA_MAX", "2"))) {
                run(adapter, minutes, rate, truthFloor, new Faults(redisProxy, amqpProxy, managementProxy, floods));
            }
        } finally {
            try (Jedis jedis = new Jedis(redis)) {
                jedis.del(QUEUE);
            }
            Brokers.deleteRabbitVhost(VHOST);
        }
    }

    private static void run(AdapterJar adapter, int minutes, int rate, Map<String, Long> truthFloor, Faults faults)
            throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {TestCertificates.TRUST_ANY_SERVER}, null);
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        SoakTally tally = new SoakTally(truthFloor);
        ScheduledExecutorService load = Executors.newScheduledThreadPool(4);
        long periodMicros = 1_000_000L / rate;
        AtomicLong sent = new AtomicLong();
        load.scheduleAtFixedRate(() -> {
            String source = sent.getAndIncrement() % 2 == 0 ? "redis" : "rabbit";
            URI uri = URI.create("https://127.0.0.1:" + adapter.securePort() + "/apis/external.metrics.k8s.io/v1beta1/"
                    + "namespaces/default/queue_outstanding?labelSelector=source%3D" + source + "%2Cqueue%3D" + QUEUE);
            http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> tally.metricAnswer(source, r, e));
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
        // The kubelet's probes and a Prometheus scrape, as a pod of the Deployment gets them.
        load.scheduleAtFixedRate(() -> {
            for (String path : List.of("/readyz", "/livez")) {
                http.sendAsync(HttpRequest.newBuilder(adapter.managementUri(path)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> tally.probeAnswer(r, e));
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        load.scheduleAtFixedRate(() -> tally.freshness(SoakTally.scrape(http, adapter)), 0, 250, TimeUnit.MILLISECONDS);
        List<String> resources = new ArrayList<>();
        load.scheduleAtFixedRate(() -> resources.add(SoakTally.resources(adapter.pid())), 0, 10, TimeUnit.SECONDS);

        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        for (int cycle = 1; System.nanoTime() < end; cycle++) {
            faults.cycle(cycle, tally, end);
        }
        load.shutdown();
        load.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println("resident memory and threads every 10 s:");
        resources.forEach(r -> System.out.println("  " + r));
        System.out.println(tally.report(minutes, rate));
    }

    /** The Dockerfile's ENTRYPOINT flags, under the Deployment's 384 MiB limit as the JVM would see it. */
    static List<String> imageJvmFlags() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        String entrypoint = dockerfile.substring(dockerfile.indexOf("ENTRYPOINT ["));
        entrypoint = entrypoint.substring(entrypoint.indexOf('[') + 1, entrypoint.indexOf(']'));
        List<String> flags = new ArrayList<>(List.of("-XX:MaxRAM=384m"));
        for (String part : entrypoint.split(",")) {
            String flag = part.replace("\\", "").trim().replace("\"", "");
            if (flag.startsWith("-X") || flag.startsWith("-D")) {
                flags.add(flag);
            }
        }
        return flags;
    }

    static Connection rabbitConnection(URI amqp) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        return factory.newConnection("soak-bench");
    }

    /** Adds messages to both queues (the truth only grows, so the first counts stay a floor). */
    record Floods(Jedis jedis, Channel channel) {
        void add(int redisMessages, int rabbitMessages) throws Exception {
            String[] batch = new String[1000];
            java.util.Arrays.fill(batch, "{\"soak\":true}");
            for (int i = 0; i < redisMessages; i += batch.length) {
                jedis.lpush(QUEUE, java.util.Arrays.copyOf(batch, Math.min(batch.length, redisMessages - i)));
            }
            byte[] body = "{\"soak\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int i = 0; i < rabbitMessages; i++) {
                channel.basicPublish("", QUEUE, null, body);
            }
        }
    }

    /** One cycle of outages, two minutes long: each fault, then the time its source takes to be fresh again. */
    record Faults(TcpProxy redis, TcpProxy amqp, TcpProxy management, Floods floods) {
        void cycle(int n, SoakTally tally, long endNanos) throws Exception {
            // Each outage starts only with enough of the run left to see its source recover.
            if (!pause(20, endNanos, 35)) {
                return;
            }
            redis.block();                         // Redis restarting: connections dropped, new ones refused
            pause(15, endNanos, 0);
            redis.unblock();
            tally.brokerBack("redis", "refused 15 s (cycle " + n + ")");
            if (!pause(20, endNanos, 40)) {
                return;
            }
            amqp.hang();                           // RabbitMQ hung: accepts, never answers
            management.hang();
            pause(20, endNanos, 0);
            amqp.resume();
            management.resume();
            tally.brokerBack("rabbit", "hung 20 s (cycle " + n + ")");
            if (!pause(15, endNanos, 0)) {
                return;
            }
            floods.add(20_000, 5_000);             // a burst of tasks on both
            if (!pause(15, endNanos, 30)) {
                return;
            }
            redis.hang();
            pause(10, endNanos, 0);
            redis.resume();
            tally.brokerBack("redis", "hung 10 s (cycle " + n + ")");
            pause(5, endNanos, 0);
        }

        /** Sleeps; false when less than {@code needed} seconds of the run are left after it. */
        private static boolean pause(int seconds, long endNanos, int needed) throws InterruptedException {
            long left = TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime());
            Thread.sleep(Math.max(0, Math.min(left, seconds * 1000L)));
            return TimeUnit.NANOSECONDS.toSeconds(endNanos - System.nanoTime()) >= needed;
        }
    }
}
