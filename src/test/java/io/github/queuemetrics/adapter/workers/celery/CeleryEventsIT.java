package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The event stream and registry against real brokers and real Celery 5.2.6 workers (prefork,
 * {@code -E}), on RabbitMQ (vhost {@code qma-events}) and on Redis (DB 8).
 */
@Timeout(180)
class CeleryEventsIT {

    private static final String QUEUE = "qma-events-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Broker {
        RABBITMQ {
            @Override
            URI uri() {
                return Brokers.rabbitVhost("qma-events");
            }

            @Override
            CeleryEventStream stream(CeleryEventListener listener) {
                return new AmqpEventStream(uri(), CeleryEventStream.EXCHANGE,
                        "qma-events-it-" + UUID.randomUUID(), listener, Clock.systemUTC(), Duration.ofMillis(200),
                        Duration.ofSeconds(2));
            }

            /** DELETE /api/connections/{name} of the connection whose client-provided name is ours. */
            @Override
            void killConnection(CeleryEventStream stream) throws Exception {
                String ours = ((AmqpEventStream) stream).connectionName();
                // The management API lists a new connection only after its next stats update: wait for it.
                String serverName = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                        .until(() -> serverConnectionName(ours), java.util.Objects::nonNull);
                management("DELETE", "/api/connections/" + URLEncoder.encode(serverName, StandardCharsets.UTF_8)
                        .replace("+", "%20"));
            }

            private String serverConnectionName(String clientProvidedName) throws Exception {
                JsonNode connections = JSON.readTree(management("GET", "/api/vhosts/qma-events/connections"));
                for (JsonNode c : connections) {
                    if (clientProvidedName.equals(c.path("client_properties").path("connection_name").asText())) {
                        return c.get("name").asText();
                    }
                }
                return null;
            }
        },
        REDIS {
            @Override
            URI uri() {
                return Brokers.redisUri(8);
            }

            @Override
            CeleryEventStream stream(CeleryEventListener listener) {
                return new RedisEventStream(uri(), "", CeleryEventStream.EXCHANGE,
                        "qma-events-it-" + UUID.randomUUID(), listener, Clock.systemUTC(), Duration.ofMillis(200),
                        Duration.ofSeconds(2));
            }

            /** CLIENT KILL ID of the connection carrying our CLIENT SETNAME. */
            @Override
            void killConnection(CeleryEventStream stream) {
                String ours = ((RedisEventStream) stream).clientName();
                try (Jedis jedis = new Jedis(uri())) {
                    String line = jedis.clientList().lines().filter(l -> l.contains(" name=" + ours + " "))
                            .findFirst().orElseThrow(() -> new AssertionError("no Redis client named " + ours));
                    long id = Long.parseLong(line.replaceAll("^id=(\\d+) .*$", "$1"));
                    assertThat(jedis.clientKill(ClientKillParams.clientKillParams().id(Long.toString(id))))
                            .isEqualTo(1);
                }
            }
        };

        abstract URI uri();

        abstract CeleryEventStream stream(CeleryEventListener listener);

        abstract void killConnection(CeleryEventStream stream) throws Exception;

        String celeryUrl() {
            return Brokers.celeryBrokerUrl(uri());
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (Jedis jedis = new Jedis(Brokers.redisUri(8))) {
            jedis.flushDB(); // DB 8 belongs to this test alone
        }
        management("DELETE", "/api/queues/qma-events/" + QUEUE);
    }

    @ParameterizedTest
    @EnumSource(Broker.class)
    void workerComesOnlineRunsTasksAndLeavesOnWarmShutdown(Broker broker) {
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(Clock.systemUTC());
        String node = "warm-" + broker.name().toLowerCase() + "@qma-events";
        List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.atomic.AtomicReference<CeleryWorkerState> atOffline =
                new java.util.concurrent.atomic.AtomicReference<>();
        CeleryEventListener tee = e -> {
            registry.onEvent(e);
            if ("worker-offline".equals(e.path("type").asText()) && node.equals(e.path("hostname").asText())) {
                // What a probe asking right after the event would have been told.
                atOffline.compareAndSet(null, registry.worker(node).orElseThrow());
            }
            seen.add(java.time.LocalTime.now() + " " + e.path("type").asText() + " " + e.path("hostname").asText()
                    + " ts=" + e.path("timestamp").asText() + " clock=" + e.path("clock").asText() + " pid="
                    + e.path("pid").asText());
        };
        try (CeleryEventStream stream = broker.stream(tee)) {
            stream.start();
            await().atMost(Duration.ofSeconds(10)).until(stream::connected);
            try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker.celeryUrl(), node, QUEUE)
                    .concurrency(2).taskEvents(true))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> registry.isAlive(node));
                CeleryWorkerState online = registry.worker(node).orElseThrow();
                assertThat(online.freq()).isEqualTo(2.0);
                assertThat(online.pid()).isEqualTo(worker.process().pid());

                // The heartbeat's own count follows the running tasks (the tracker takes the tasks
                // themselves from 'active'; the registry keeps liveness and these counters only).
                CeleryWorker.enqueue(broker.celeryUrl(), QUEUE, 2, 3, null);
                await().atMost(Duration.ofSeconds(15)).until(() -> registry.worker(node).orElseThrow().active() == 2);
                await().atMost(Duration.ofSeconds(15)).until(() -> registry.worker(node).orElseThrow().active() == 0);
                assertThat(registry.isAlive(node)).isTrue();

                worker.process().terminate(); // SIGTERM: warm shutdown, which sends worker-offline
                try {
                    await().atMost(Duration.ofSeconds(15)).until(() -> atOffline.get() != null);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no worker-offline; events: " + String.join("\n", seen)
                            + "\n--- worker log ---\n" + worker.process().output(), e);
                }
                CeleryWorkerState gone = atOffline.get();
                // Gone at once: not alive, although its heartbeat window was still open.
                assertThat(gone.aliveAt(gone.offlineAt())).isFalse();
                assertThat(gone.online()).isFalse();
                assertThat(gone.offlineAt()).isBefore(gone.heartbeatExpires());
                if (worker.process().waitFor(Duration.ofSeconds(15))) {
                    assertThat(registry.isAlive(node)).as("events: %s", seen).isFalse();
                } else {
                    // Seen on this machine with Celery 5.2.6: SIGTERM gave worker-offline, then
                    // worker-online ~30 ms later, and the worker kept running and heartbeating. The
                    // registry follows the worker (alive again); this is not what this test is about.
                    System.out.printf("%s: NOTE worker did not exit after SIGTERM; events after it: %s%n", broker,
                            seen.subList(Math.max(0, seen.size() - 4), seen.size()));
                    assertThat(registry.isAlive(node)).isTrue();
                }
                System.out.printf("%s: worker-offline %d ms after the last heartbeat; its window had %d ms left%n",
                        broker, Duration.between(gone.lastHeartbeat(), gone.offlineAt()).toMillis(),
                        Duration.between(gone.offlineAt(), gone.heartbeatExpires()).toMillis());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Broker.class)
    void killedWorkerIsDeadWithinTwoHeartbeatPeriods(Broker broker) {
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(Clock.systemUTC());
        String node = "killed-" + broker.name().toLowerCase() + "@qma-events";
        try (CeleryEventStream stream = broker.stream(registry::onEvent)) {
            stream.start();
            await().atMost(Duration.ofSeconds(10)).until(stream::connected);
            try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker.celeryUrl(), node, QUEUE)
                    .taskEvents(true))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> registry.worker(node)
                        .map(w -> w.aliveAt(Instant.now()) && w.heartbeats() >= 2).orElse(false));
                double freq = registry.worker(node).orElseThrow().freq();

                Instant killedAt = Instant.now();
                long start = System.nanoTime();
                worker.kill(); // SIGKILL: no worker-offline
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !registry.isAlive(node));
                double observed = (System.nanoTime() - start) / 1e9;
                CeleryWorkerState dead = registry.worker(node).orElseThrow();
                System.out.printf("%s: SIGKILLed worker seen dead after %.3f s (freq %.1f s, limit %.1f s)%n",
                        broker, observed, freq, 2 * freq);

                // Margin: a heartbeat already in flight at the kill, and polling on a loaded 2-core machine.
                assertThat(observed).isLessThanOrEqualTo(2 * freq + 1.0);
                assertThat(dead.online()).as("no worker-offline event was received").isTrue();
                assertThat(dead.offlineAt()).isNull();
                assertThat(dead.lastHeartbeat()).isBefore(killedAt.plusMillis(200));
                assertThat(dead.heartbeatExpires()).isBefore(Instant.now());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Broker.class)
    void streamReconnectsAfterItsConnectionIsKilled(Broker broker) throws Exception {
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(Clock.systemUTC());
        String node = "reconnect-" + broker.name().toLowerCase() + "@qma-events";
        try (CeleryEventStream stream = broker.stream(registry::onEvent)) {
            stream.start();
            await().atMost(Duration.ofSeconds(10)).until(stream::connected);
            try (CeleryWorker worker = CeleryWorker.start(CeleryWorker.Options.of(broker.celeryUrl(), node, QUEUE)
                    .taskEvents(true))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> registry.isAlive(node));
                assertThat(stream.connectCount()).isEqualTo(1);
                assertThat(stream.lastError()).isEmpty();

                broker.killConnection(stream);
                await().atMost(Duration.ofSeconds(15)).until(() -> stream.connectCount() >= 2 && stream.connected());
                Instant resubscribed = Instant.now();
                assertThat(stream.lastError()).isPresent();
                System.out.printf("%s: stream reconnected after: %s%n", broker, stream.lastError().get());

                // Events flow again: heartbeats received after the reconnect, and task events too.
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        registry.worker(node).orElseThrow().lastHeartbeat().isAfter(resubscribed));
                assertThat(registry.isAlive(node)).isTrue();
            }
        }
    }

    /** A call to the RabbitMQ management API (HTTP/1.1: its h2c upgrade makes the plugin hang up). */
    private static String management(String method, String path) throws Exception {
        URI amqp = Brokers.rabbitAmqpUri();
        String userInfo = amqp.getUserInfo() == null ? "guest:guest" : amqp.getUserInfo();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(Brokers.rabbitManagementUri().resolve(path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        userInfo.getBytes(StandardCharsets.UTF_8)))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2 && !(method.equals("DELETE") && response.statusCode() == 404)) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + " "
                    + response.body());
        }
        return response.body();
    }
}
