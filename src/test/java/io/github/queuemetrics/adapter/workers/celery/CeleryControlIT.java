package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.bench.PidboxBench;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.CeleryWorker;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * {@link CeleryControl} against real Celery 5.2 workers on both brokers (RabbitMQ vhost
 * {@code qma-control}, Redis DB 6): two workers, {@code -c 2}, prefetch multiplier 1, one with
 * early ack consuming {@code ctl-early}, one with acks_late consuming {@code ctl-late}.
 */
@Timeout(400)
class CeleryControlIT {

    static final String EARLY_QUEUE = "ctl-early";
    static final String LATE_QUEUE = "ctl-late";
    static final double TASK_SECONDS = 6;
    static final ObjectMapper JSON = new ObjectMapper();

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    abstract static class Scenario {

        CeleryWorker early;
        CeleryWorker late;
        CeleryControl control;
        List<String> both;

        abstract String celeryBrokerUrl();

        abstract CeleryControl newClient();

        /** Cleans this test's own queues/DB before the workers start. */
        abstract void cleanBroker() throws Exception;

        /** Messages waiting in the broker (not delivered to any worker). */
        abstract long ready(String queue) throws Exception;

        /** Makes the broker drop this client's connection, as an outage would. */
        abstract void killClientConnection(CeleryControl client) throws Exception;

        /** A client whose broker does not answer (nothing listens on port 1). */
        abstract CeleryControl unreachableClient();

        /** True while the client's reply queue / binding exists on the broker. */
        abstract boolean replyQueueExists(CeleryControl client) throws Exception;

        @BeforeAll
        void startWorkers() throws Exception {
            cleanBroker();
            String suffix = getClass().getSimpleName().toLowerCase();
            early = CeleryWorker.start(CeleryWorker.Options.of(celeryBrokerUrl(), "early@" + suffix, EARLY_QUEUE)
                    .concurrency(2).prefetchMultiplier(1));
            late = CeleryWorker.start(CeleryWorker.Options.of(celeryBrokerUrl(), "late@" + suffix, LATE_QUEUE)
                    .concurrency(2).prefetchMultiplier(1).acksLate(true));
            both = List.of(early.nodename(), late.nodename());
            control = newClient();
        }

        @AfterAll
        void stopWorkers() {
            if (control != null) {
                control.close();
            }
            if (early != null) {
                early.kill();
            }
            if (late != null) {
                late.kill();
            }
        }

        @Test
        @Order(1)
        void pingReachesAllOrTheNamedWorkersAndReturnsOnceTheyAnswered() {
            assertThat(control.ping(null, Duration.ofSeconds(2))).containsExactlyInAnyOrderElementsOf(both);
            assertThat(control.ping(List.of(early.nodename()), Duration.ofSeconds(2))).containsExactly(early.nodename());

            long start = System.nanoTime();
            assertThat(control.ping(both, Duration.ofSeconds(10))).containsExactlyInAnyOrderElementsOf(both);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println(getClass().getSimpleName() + ": ping to 2 named workers took " + took.toMillis() + " ms");
            assertThat(took).isLessThan(Duration.ofSeconds(3)); // well under the 10 s timeout

            start = System.nanoTime();
            assertThat(control.ping(List.of(early.nodename(), "ghost@nowhere"), Duration.ofMillis(1500)))
                    .containsExactly(early.nodename());
            took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isBetween(Duration.ofMillis(1400), Duration.ofMillis(3000));
        }

        @Test
        @Order(2)
        void statsGivesPoolSizeAndPrefetch() {
            Map<String, WorkerStats> stats = control.stats(both, Duration.ofSeconds(5));
            assertThat(stats).containsOnlyKeys(both);
            assertThat(stats.values()).allSatisfy(s -> {
                assertThat(s.maxConcurrency()).isEqualTo(2);
                assertThat(s.prefetchCount()).isEqualTo(2);
                assertThat(s.pid()).isPositive();
            });
            assertThat(stats.get(early.nodename()).pid()).isEqualTo(early.process().pid());
        }

        @Test
        @Order(3)
        void lateRepliesOfATimedOutCallAreNotDeliveredToTheNextCall() {
            Map<String, JsonNode> first = control.broadcast("stats", null, both, Duration.ofMillis(1));
            assertThat(first).hasSizeLessThan(2); // the call ended before the workers answered
            // their stats replies now arrive on the same reply queue; the next call must skip them
            Map<String, JsonNode> second = control.broadcast("ping", null, both, Duration.ofSeconds(5));
            assertThat(second).containsOnlyKeys(both);
            assertThat(second.values()).allSatisfy(v -> assertThat(v).isEqualTo(JSON.createObjectNode().put("ok", "pong")));
            // and once more, for replies that came later still
            assertThat(control.broadcast("active_queues", null, both, Duration.ofSeconds(5)).values())
                    .allSatisfy(v -> assertThat(v.isArray()).isTrue());
        }

        @Test
        @Order(4)
        void activeReservedCancelAndAddConsumerAgainstRunningTasks() throws Exception {
            List<String> earlyIds = CeleryWorker.enqueue(celeryBrokerUrl(), EARLY_QUEUE, 5, TASK_SECONDS, null);
            List<String> lateIds = CeleryWorker.enqueue(celeryBrokerUrl(), LATE_QUEUE, 3, TASK_SECONDS, null);
            Duration t = Duration.ofSeconds(5);

            // early ack: 2 executing (acked), 2 prefetched, 1 left in the broker
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                assertThat(control.active(List.of(early.nodename()), t).get(early.nodename())).hasSize(2);
                assertThat(control.reserved(List.of(early.nodename()), t).get(early.nodename())).hasSize(2);
                assertThat(ready(EARLY_QUEUE)).isEqualTo(1);
            });
            List<TaskInfo> running = control.active(List.of(early.nodename()), t).get(early.nodename());
            assertThat(running).allSatisfy(task -> {
                assertThat(earlyIds).contains(task.id());
                assertThat(task.name()).isEqualTo("tasks.sleep");
                assertThat(task.hostname()).isEqualTo(early.nodename());
                assertThat(task.routingKey()).isEqualTo(EARLY_QUEUE);
                assertThat(task.acknowledged()).isTrue();
                assertThat(task.timeStart()).isNotNull();
                assertThat(task.workerPid()).isNotNull();
            });
            List<TaskInfo> prefetched = control.reserved(List.of(early.nodename()), t).get(early.nodename());
            assertThat(prefetched).allSatisfy(task -> {
                assertThat(earlyIds).contains(task.id());
                assertThat(task.routingKey()).isEqualTo(EARLY_QUEUE);
                assertThat(task.acknowledged()).isFalse();
                assertThat(task.timeStart()).isNull();
            });
            Set<String> prefetchedIds = ids(prefetched);
            assertThat(prefetchedIds).doesNotContainAnyElementsOf(ids(running));

            // acks_late: the executing tasks are not acknowledged, nothing else is prefetched
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                List<TaskInfo> lateRunning = control.active(List.of(late.nodename()), t).get(late.nodename());
                assertThat(lateRunning).hasSize(2);
                assertThat(lateRunning).allSatisfy(task -> {
                    assertThat(lateIds).contains(task.id());
                    assertThat(task.routingKey()).isEqualTo(LATE_QUEUE);
                    assertThat(task.acknowledged()).isFalse();
                });
                assertThat(control.reserved(List.of(late.nodename()), t).get(late.nodename())).isEmpty();
                assertThat(ready(LATE_QUEUE)).isEqualTo(1);
            });

            // one broadcast for all workers gives both workers' running tasks
            Map<String, List<TaskInfo>> all = control.active(null, Duration.ofSeconds(2));
            assertThat(all).containsOnlyKeys(both);

            // cancel_consumer: the worker stops taking from the queue
            Map<String, ControlResult> cancel = control.cancelConsumer(EARLY_QUEUE, List.of(early.nodename()), t);
            assertThat(cancel).containsOnlyKeys(early.nodename());
            assertThat(cancel.get(early.nodename()).ok()).isTrue();
            assertThat(cancel.get(early.nodename()).message()).contains("no longer consuming from " + EARLY_QUEUE);
            // Like add_consumer, Celery answers before it acts (consumer.call_soon): confirm it.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(control.activeQueues(both, t)).containsEntry(early.nodename(), List.of())
                            .containsEntry(late.nodename(), List.of(LATE_QUEUE)));

            List<String> moreIds = CeleryWorker.enqueue(celeryBrokerUrl(), EARLY_QUEUE, 2, TASK_SECONDS, null);
            assertThat(ready(EARLY_QUEUE)).isEqualTo(3);
            // the prefetched tasks still run once the first two finish, and nothing new is taken
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                    assertThat(ids(control.active(List.of(early.nodename()), t).get(early.nodename())))
                            .isEqualTo(prefetchedIds));
            assertThat(control.reserved(List.of(early.nodename()), t).get(early.nodename())).isEmpty();
            assertThat(ready(EARLY_QUEUE)).isEqualTo(3);

            // add_consumer: it takes from the queue again and the waiting tasks run
            Map<String, ControlResult> add = control.addConsumer(EARLY_QUEUE, List.of(early.nodename()), t);
            assertThat(add.get(early.nodename())).isEqualTo(new ControlResult(true, "add consumer " + EARLY_QUEUE));
            // celery answers add_consumer before it runs it (consumer.call_soon): confirm with active_queues
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(control.activeQueues(List.of(early.nodename()), t).get(early.nodename()))
                            .containsExactly(EARLY_QUEUE));
            Set<String> waiting = new HashSet<>(moreIds);
            waiting.addAll(earlyIds);
            waiting.removeAll(ids(running));
            waiting.removeAll(prefetchedIds);
            assertThat(waiting).hasSize(3);
            Set<String> seen = new HashSet<>();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                seen.addAll(ids(control.active(List.of(early.nodename()), t).get(early.nodename())));
                seen.addAll(ids(control.reserved(List.of(early.nodename()), t).get(early.nodename())));
                assertThat(seen).containsAll(waiting);
                assertThat(ready(EARLY_QUEUE)).isZero();
            });
        }

        @Test
        @Order(5)
        void measureActiveRoundTripAgainstCeleryInspect() {
            PidboxBench.Result r = PidboxBench.measure(control, celeryBrokerUrl(), both, 3);
            System.out.println(getClass().getSimpleName() + " " + r);
        }

        @Test
        @Order(6)
        void aCallDuringAnOutageThrowsAndTheNextCallReconnects() throws Exception {
            try (CeleryControl dead = unreachableClient()) {
                assertThatThrownBy(() -> dead.active(null, Duration.ofSeconds(1)))
                        .isInstanceOf(CeleryControlException.class)
                        .hasMessageNotContaining("guest:guest").hasMessageNotContaining("secret");
            }
            assertThat(control.ping(both, Duration.ofSeconds(5))).containsExactlyInAnyOrderElementsOf(both);
            killClientConnection(control);
            // the dropped connection is noticed and replaced by the next call, which answers in full
            Set<String> answered = control.ping(both, Duration.ofSeconds(5));
            assertThat(answered).containsExactlyInAnyOrderElementsOf(both);
        }

        @Test
        @Order(7)
        void closeRemovesTheReplyQueue() throws Exception {
            CeleryControl other = newClient();
            assertThat(other.ping(List.of(early.nodename()), Duration.ofSeconds(5))).hasSize(1);
            assertThat(replyQueueExists(other)).isTrue();
            other.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !replyQueueExists(other));
        }

        static Set<String> ids(List<TaskInfo> tasks) {
            return tasks == null ? Set.of() : tasks.stream().map(TaskInfo::id).collect(Collectors.toSet());
        }
    }

    @Nested
    class RabbitMq extends Scenario {
        final URI vhostUri = Brokers.rabbitVhost("qma-control");

        @Override
        String celeryBrokerUrl() {
            return Brokers.celeryBrokerUrl(vhostUri);
        }

        @Override
        CeleryControl newClient() {
            return new CeleryControl(new AmqpPidboxTransport(vhostUri));
        }

        private <T> T withChannel(ChannelCall<T> call) throws Exception {
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(vhostUri);
            try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
                return call.apply(ch);
            }
        }

        @Override
        void cleanBroker() throws Exception {
            withChannel(ch -> {
                ch.queueDelete(EARLY_QUEUE);
                ch.queueDelete(LATE_QUEUE);
                return null;
            });
        }

        @Override
        long ready(String queue) throws Exception {
            return withChannel(ch -> (long) ch.queueDeclarePassive(queue).getMessageCount());
        }

        @Override
        void killClientConnection(CeleryControl client) throws Exception {
            String name = ((AmqpPidboxTransport) client.transport()).connectionName();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI management = Brokers.rabbitManagementUri();
            String auth = "Basic " + Base64.getEncoder().encodeToString(
                    (vhostUri.getUserInfo() == null ? "guest:guest" : vhostUri.getUserInfo())
                            .getBytes(StandardCharsets.UTF_8));
            String[] connection = new String[1];
            // the management plugin lists a new connection after its stats interval
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(management.resolve(
                                "/api/vhosts/qma-control/connections?columns=name,client_properties"))
                        .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
                for (JsonNode c : JSON.readTree(r.body())) {
                    if (name.equals(c.path("client_properties").path("connection_name").asText())) {
                        connection[0] = c.path("name").asText();
                        return true;
                    }
                }
                return false;
            });
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(management.resolve("/api/connections/"
                            + URLEncoder.encode(connection[0], StandardCharsets.UTF_8).replace("+", "%20")))
                    .header("Authorization", auth).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
            Thread.sleep(500);
        }

        @Override
        CeleryControl unreachableClient() {
            return new CeleryControl(new AmqpPidboxTransport(URI.create("amqp://guest:guest@127.0.0.1:1/qma-control"),
                    "celery", Duration.ofSeconds(2)));
        }

        @Override
        boolean replyQueueExists(CeleryControl client) throws Exception {
            String queue = ((AmqpPidboxTransport) client.transport()).replyQueue();
            try {
                withChannel(ch -> ch.queueDeclarePassive(queue));
                return true;
            } catch (IOException e) {
                return false; // 404 NOT_FOUND closes the channel
            }
        }
    }

    @Nested
    class Redis extends Scenario {
        final URI uri = Brokers.redisUri(6);

        @Override
        String celeryBrokerUrl() {
            return uri.toString();
        }

        @Override
        CeleryControl newClient() {
            return new CeleryControl(new RedisPidboxTransport(uri));
        }

        @Override
        void cleanBroker() {
            try (Jedis j = new Jedis(uri)) {
                j.flushDB(); // DB 6 belongs to this test alone
            }
        }

        @Override
        long ready(String queue) {
            try (Jedis j = new Jedis(uri)) {
                return j.llen(queue);
            }
        }

        @Override
        void killClientConnection(CeleryControl client) {
            String name = ((RedisPidboxTransport) client.transport()).clientName();
            try (Jedis j = new Jedis(uri)) {
                String id = j.clientList().lines().filter(l -> l.contains(" name=" + name + " "))
                        .map(l -> l.replaceAll("^id=(\\d+) .*$", "$1")).findFirst().orElseThrow();
                j.clientKill(new redis.clients.jedis.params.ClientKillParams().id(id));
            }
        }

        @Override
        CeleryControl unreachableClient() {
            return new CeleryControl(new RedisPidboxTransport(URI.create("redis://:secret@127.0.0.1:1/6"), "",
                    "\u0006\u0016", "celery", Duration.ofSeconds(2)));
        }

        @Override
        boolean replyQueueExists(CeleryControl client) {
            RedisPidboxTransport t = (RedisPidboxTransport) client.transport();
            try (Jedis j = new Jedis(uri)) {
                return j.smembers("_kombu.binding.reply.celery.pidbox").stream()
                        .anyMatch(m -> m.startsWith(t.replyRoutingKey() + "\u0006\u0016"));
            }
        }
    }

    @FunctionalInterface
    interface ChannelCall<T> {
        T apply(Channel ch) throws Exception;
    }
}
