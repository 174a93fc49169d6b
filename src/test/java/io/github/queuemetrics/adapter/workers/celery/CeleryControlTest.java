package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ticket matching, early return and failure handling, with simulated workers behind a fake transport. */
class CeleryControlTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A simulated worker: its nodename and how long it takes to answer. */
    record Worker(String nodename, long replyMillis) {
    }

    /** Answers every command like celery.worker.pidbox would, each worker after its own delay. */
    static class FakeTransport implements PidboxTransport {
        final List<Worker> workers;
        final BlockingQueue<DelayedReply> replies = new DelayQueue<>();
        final List<JsonNode> published = new ArrayList<>();
        int receiversToReport = -1;
        boolean down;
        int disconnects;

        FakeTransport(Worker... workers) {
            this.workers = List.of(workers);
        }

        @Override
        public String replyExchange() {
            return "reply.celery.pidbox";
        }

        @Override
        public String replyRoutingKey() {
            return "oid";
        }

        @Override
        public synchronized int publish(byte[] commandJson, double expires) throws IOException {
            if (down) {
                throw new IOException("connection refused");
            }
            JsonNode cmd = JSON.readTree(commandJson);
            published.add(cmd);
            JsonNode dest = cmd.get("destination");
            for (Worker w : workers) {
                boolean addressed = dest.isNull() || dest.toString().contains("\"" + w.nodename + "\"");
                if (addressed && cmd.has("ticket")) {
                    JsonNode body = JSON.createObjectNode().set(w.nodename, answer(cmd, w));
                    replies.add(DelayedReply.in(new PidboxReply(cmd.get("ticket").asText(), body), w.replyMillis));
                }
            }
            return receiversToReport;
        }

        private JsonNode answer(JsonNode cmd, Worker w) {
            return switch (cmd.get("method").asText()) {
                case "ping" -> JSON.createObjectNode().put("ok", "pong");
                case "stats" -> JSON.createObjectNode().put("prefetch_count", 2);
                default -> JSON.createArrayNode();
            };
        }

        @Override
        public PidboxReply receive(Duration maxWait) throws IOException, InterruptedException {
            if (down) {
                throw new IOException("connection reset");
            }
            DelayedReply r = replies.poll(maxWait.toNanos(), TimeUnit.NANOSECONDS);
            return r == null ? null : r.reply;
        }

        @Override
        public void disconnect() {
            disconnects++;
        }

        @Override
        public void close() {
        }
    }

    record DelayedReply(PidboxReply reply, long dueNanos) implements Delayed {
        static DelayedReply in(PidboxReply reply, long millis) {
            return new DelayedReply(reply, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }
    }

    @Test
    void returnsAsSoonAsEveryNamedDestinationAnswered() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 20), new Worker("b@h", 40));
        try (CeleryControl control = new CeleryControl(t)) {
            long start = System.nanoTime();
            assertThat(control.ping(List.of("a@h", "b@h"), Duration.ofSeconds(5))).containsExactly("a@h", "b@h");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aMissingDestinationMakesTheCallWaitForTheTimeoutOnly() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            long start = System.nanoTime();
            assertThat(control.ping(List.of("a@h", "ghost@h"), Duration.ofMillis(300))).containsExactly("a@h");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(took).isBetween(280L, 2000L);
        }
    }

    @Test
    void nullDestinationWaitsForTheTimeoutUnlessTheBrokerCountedReceivers() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10), new Worker("b@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            long start = System.nanoTime();
            assertThat(control.broadcast("ping", null, null, Duration.ofMillis(400))).containsOnlyKeys("a@h", "b@h");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(380L);

            t.receiversToReport = 2; // Redis PUBLISH said two workers got it
            start = System.nanoTime();
            assertThat(control.broadcast("ping", null, null, Duration.ofSeconds(5))).containsOnlyKeys("a@h", "b@h");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

            t.receiversToReport = 0; // nobody subscribed: no one can answer
            start = System.nanoTime();
            assertThat(control.broadcast("ping", null, null, Duration.ofSeconds(5))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void expectedRepliesHintEndsANullDestinationCallEarly() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10), new Worker("b@h", 30));
        try (CeleryControl control = new CeleryControl(t)) {
            long start = System.nanoTime();
            assertThat(control.active(null, Duration.ofSeconds(5), 2)).containsOnlyKeys("a@h", "b@h");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void lateRepliesOfATimedOutCallAreNeverDeliveredToTheNextCall() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10), new Worker("slow@h", 300));
        try (CeleryControl control = new CeleryControl(t)) {
            Map<String, JsonNode> first = control.broadcast("stats", null, List.of("a@h", "slow@h"),
                    Duration.ofMillis(100));
            assertThat(first).containsOnlyKeys("a@h"); // slow@h's stats reply is still on its way
            // the next call waits long enough for the stale stats reply to arrive first
            Map<String, JsonNode> second = control.broadcast("ping", null, List.of("a@h", "slow@h"),
                    Duration.ofSeconds(3));
            assertThat(second).containsOnlyKeys("a@h", "slow@h");
            assertThat(second.values()).allSatisfy(v -> assertThat(v.path("ok").asText()).isEqualTo("pong"));
        }
    }

    @Test
    void concurrentCallsEachGetTheirOwnReplies() throws Exception {
        FakeTransport t = new FakeTransport(new Worker("a@h", 20), new Worker("b@h", 50));
        try (CeleryControl control = new CeleryControl(t)) {
            CompletableFuture<Map<String, JsonNode>> stats = CompletableFuture.supplyAsync(
                    () -> control.broadcast("stats", null, List.of("a@h", "b@h"), Duration.ofSeconds(3)));
            CompletableFuture<Map<String, JsonNode>> ping = CompletableFuture.supplyAsync(
                    () -> control.broadcast("ping", null, List.of("a@h", "b@h"), Duration.ofSeconds(3)));
            assertThat(stats.get(10, TimeUnit.SECONDS).values())
                    .allSatisfy(v -> assertThat(v.path("prefetch_count").asInt()).isEqualTo(2));
            assertThat(ping.get(10, TimeUnit.SECONDS).values())
                    .allSatisfy(v -> assertThat(v.path("ok").asText()).isEqualTo("pong"));
        }
    }

    @Test
    void aBrokerOutageThrowsInsteadOfAnsweringNoWorkersAndTheNextCallWorks() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            t.down = true;
            assertThatThrownBy(() -> control.active(null, Duration.ofMillis(200)))
                    .isInstanceOf(CeleryControlException.class).hasMessageContaining("active");
            assertThat(t.disconnects).isPositive();
            t.down = false;
            assertThat(control.ping(List.of("a@h"), Duration.ofSeconds(2))).containsExactly("a@h");
        }
    }

    @Test
    void castSendsNoTicketAndEmptyDestinationIsRefused() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            control.cast("shutdown", null, List.of("a@h"));
            assertThat(t.published.get(0).has("ticket")).isFalse();
            assertThat(t.replies).isEmpty();
            assertThatThrownBy(() -> control.cancelConsumer("q", List.of(), Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void addConsumerSendsCeleryDefaultArguments() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            control.addConsumer("q1", List.of("a@h"), Duration.ofMillis(200));
            JsonNode args = t.published.get(0).get("arguments");
            assertThat(args.get("queue").asText()).isEqualTo("q1");
            assertThat(args.get("exchange_type").asText()).isEqualTo("direct");
            assertThat(args.get("exchange").isNull()).isTrue();
            assertThat(args.get("routing_key").isNull()).isTrue();
        }
    }

    @Test
    void taskListsAreAskedForWithSafeSoTheRepliesCarryTruncatedArguments() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10));
        try (CeleryControl control = new CeleryControl(t)) {
            control.active(List.of("a@h"), Duration.ofMillis(200));
            control.reserved(List.of("a@h"), Duration.ofMillis(200));
            control.scheduled(List.of("a@h"), Duration.ofMillis(200), 0);
            assertThat(t.published).hasSize(3).allSatisfy(cmd ->
                    assertThat(cmd.get("arguments")).isEqualTo(JSON.createObjectNode().put("safe", true)));
        }
    }

    @Test
    void aReplyAboveTheSizeLimitFailsTheCallClearly() {
        FakeTransport t = new FakeTransport(new Worker("a@h", 10)) {
            @Override
            public synchronized int publish(byte[] commandJson, double expires) throws IOException {
                JsonNode cmd = JSON.readTree(commandJson);
                replies.add(DelayedReply.in(PidboxReply.oversized(cmd.get("ticket").asText(), 9_000_000), 5));
                return -1;
            }
        };
        try (CeleryControl control = new CeleryControl(t)) {
            assertThatThrownBy(() -> control.reserved(null, Duration.ofSeconds(1)))
                    .isInstanceOf(CeleryControlException.class)
                    .hasMessageContaining("'reserved' is 9000000 bytes, above the limit of 4194304 bytes per reply");
        }
    }

    @Test
    void closedClientRefusesCalls() {
        CeleryControl control = new CeleryControl(new FakeTransport());
        control.close();
        assertThatThrownBy(() -> control.ping(null, Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
    }
}
