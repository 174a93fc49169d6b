package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wire shapes of broker-protocols.md §3, byte-level facts checked against the reference examples. */
class PidboxMessagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void commandWithReplyHasTheShapeCeleryWorkersRead() throws IOException {
        byte[] body = PidboxMessages.command("active", Map.of(), List.of("celery@worker-2"),
                "1f2a75f9-83ea-41f7-9004-6f1ddeca0cf1", "reply.celery.pidbox", "d6d2fd44-367a-3708-a8f2-12d04528282b");
        // the reference example, verbatim
        JsonNode expected = JSON.readTree("""
                {"method": "active", "arguments": {}, "destination": ["celery@worker-2"],
                 "pattern": null, "matcher": null,
                 "ticket": "1f2a75f9-83ea-41f7-9004-6f1ddeca0cf1",
                 "reply_to": {"exchange": "reply.celery.pidbox", "routing_key": "d6d2fd44-367a-3708-a8f2-12d04528282b"}}
                """);
        assertThat(JSON.readTree(body)).isEqualTo(expected);
    }

    @Test
    void castHasNoTicketNorReplyToAndNullDestinationMeansAll() throws IOException {
        JsonNode body = JSON.readTree(PidboxMessages.command("shutdown", null, null, null, "x", "y"));
        assertThat(body.has("ticket")).isFalse();
        assertThat(body.has("reply_to")).isFalse();
        assertThat(body.get("destination").isNull()).isTrue();
        assertThat(body.get("arguments")).isEqualTo(JSON.createObjectNode());
        assertThat(body.get("method").asText()).isEqualTo("shutdown");
    }

    @Test
    void argumentsKeepExplicitNulls() throws IOException {
        java.util.LinkedHashMap<String, Object> args = new java.util.LinkedHashMap<>();
        args.put("queue", "q");
        args.put("exchange", null);
        JsonNode body = JSON.readTree(PidboxMessages.command("add_consumer", args, null, "t", "e", "k"));
        assertThat(body.get("arguments").has("exchange")).isTrue();
        assertThat(body.get("arguments").get("exchange").isNull()).isTrue();
    }

    @Test
    void redisEnvelopeMatchesTheVerifiedWorkedExample() throws IOException {
        byte[] command = PidboxMessages.command("cancel_consumer", Map.of("queue", "short-running-tasks"),
                List.of("celery@worker-2"), "7d3c", "reply.celery.pidbox", "java-client-0001");
        byte[] envelope = PidboxMessages.redisEnvelope(command, 0, "celery.pidbox", "7d3c");
        JsonNode expected = JSON.readTree("""
                {"body": "{\\"method\\":\\"cancel_consumer\\",\\"arguments\\":{\\"queue\\":\\"short-running-tasks\\"},\\"destination\\":[\\"celery@worker-2\\"],\\"pattern\\":null,\\"matcher\\":null,\\"ticket\\":\\"7d3c\\",\\"reply_to\\":{\\"exchange\\":\\"reply.celery.pidbox\\",\\"routing_key\\":\\"java-client-0001\\"}}",
                 "content-type": "application/json", "content-encoding": "utf-8",
                 "headers": {"clock": 0, "expires": 0},
                 "properties": {"delivery_tag": "7d3c", "delivery_info": {"exchange": "celery.pidbox", "routing_key": ""}}}
                """);
        JsonNode actual = JSON.readTree(envelope);
        // the body is a JSON *string* (no body_encoding); compare it parsed, the rest as trees
        assertThat(actual.get("body").isTextual()).isTrue();
        assertThat(JSON.readTree(actual.get("body").asText())).isEqualTo(JSON.readTree(expected.get("body").asText()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) actual).remove("body");
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove("body");
        assertThat(actual).isEqualTo(expected);
        assertThat(actual.path("properties").has("body_encoding")).isFalse();
    }

    @Test
    void redisEnvelopeCarriesExpiresAsAnEpochFloat() throws IOException {
        JsonNode env = JSON.readTree(PidboxMessages.redisEnvelope("{}".getBytes(StandardCharsets.UTF_8),
                1795462299.25, "celery.pidbox", "tag"));
        assertThat(env.path("headers").get("expires").isDouble()).isTrue();
        assertThat(env.path("headers").get("expires").asDouble()).isEqualTo(1795462299.25);
        assertThat(env.path("headers").get("clock").asInt()).isZero();
    }

    @Test
    void decodesABase64RedisReplyAndItsTicketHeader() throws IOException {
        // shaped like kombu 5.2.4's reply (LPUSHed by the worker), body from the reference example
        String envelope = """
                {"body": "eyJjZWxlcnlAd29ya2VyLTIiOiB7Im9rIjogIm5vIGxvbmdlciBjb25zdW1pbmcgZnJvbSBzaG9ydC1ydW5uaW5nLXRhc2tzIn19",
                 "content-encoding": "utf-8", "content-type": "application/json",
                 "headers": {"ticket": "7d3c-ticket", "clock": 9},
                 "properties": {"delivery_mode": 1, "delivery_info": {"exchange": "reply.celery.pidbox",
                   "routing_key": "java-client-0001"}, "priority": 0, "body_encoding": "base64",
                   "delivery_tag": "0b6b1f6e-5d41-4f53-8d3c-5c1d1c0c2a11"}}
                """;
        PidboxReply reply = PidboxMessages.decodeRedisEnvelope(envelope.getBytes(StandardCharsets.UTF_8));
        assertThat(reply.ticket()).isEqualTo("7d3c-ticket");
        assertThat(reply.body()).isEqualTo(JSON.readTree(
                "{\"celery@worker-2\": {\"ok\": \"no longer consuming from short-running-tasks\"}}"));
    }

    @Test
    void decodesAPlainRedisBodyWhenThereIsNoBodyEncoding() throws IOException {
        String envelope = "{\"body\": \"{\\\"w@h\\\": {\\\"ok\\\": \\\"pong\\\"}}\", \"headers\": {\"ticket\": \"t\"},"
                + " \"properties\": {\"delivery_tag\": \"x\"}}";
        PidboxReply reply = PidboxMessages.decodeRedisEnvelope(envelope.getBytes(StandardCharsets.UTF_8));
        assertThat(reply.body().path("w@h").path("ok").asText()).isEqualTo("pong");
    }

    @Test
    void aReplyWithoutTicketHasANullTicket() throws IOException {
        String body = Base64.getEncoder().encodeToString("{\"a@b\": 1}".getBytes(StandardCharsets.UTF_8));
        String envelope = "{\"body\": \"" + body + "\", \"headers\": {}, \"properties\": {\"body_encoding\": \"base64\"}}";
        assertThat(PidboxMessages.decodeRedisEnvelope(envelope.getBytes(StandardCharsets.UTF_8)).ticket()).isNull();
    }

    @Test
    void garbageOnTheReplyListIsAnError() {
        assertThatThrownBy(() -> PidboxMessages.decodeRedisEnvelope("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> PidboxMessages.decodeRedisEnvelope("{\"headers\":{}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void decodesAnAmqpReply() throws IOException {
        PidboxReply reply = PidboxMessages.decodeAmqp(new StringBuilder("tk"),
                "{\"celery@w1\": {\"ok\": \"pong\"}}".getBytes(StandardCharsets.UTF_8));
        assertThat(reply.ticket()).isEqualTo("tk"); // amqp-client hands header strings as LongString
        assertThat(reply.body().path("celery@w1").path("ok").asText()).isEqualTo("pong");
    }

    @Test
    void aReplyAboveTheLimitIsNotDecodedButKeepsItsTicket() throws IOException {
        byte[] big = ("{\"w@h\": [\"" + "x".repeat(PidboxMessages.MAX_REPLY_BYTES) + "\"]}")
                .getBytes(StandardCharsets.UTF_8);
        PidboxReply amqp = PidboxMessages.decodeAmqp("tk", big);
        assertThat(amqp.oversized()).isTrue();
        assertThat(amqp.ticket()).isEqualTo("tk");
        assertThat(amqp.body()).isNull();
        assertThat(amqp.oversizeBytes()).isEqualTo(big.length);

        String envelope = "{\"body\": \"" + Base64.getEncoder().encodeToString(big) + "\", \"headers\": {\"clock\": 1,"
                + " \"ticket\": \"rt\"}, \"properties\": {\"body_encoding\": \"base64\"}}";
        PidboxReply redis = PidboxMessages.decodeRedisEnvelope(envelope.getBytes(StandardCharsets.UTF_8));
        assertThat(redis.oversized()).isTrue();
        assertThat(redis.ticket()).isEqualTo("rt");

        PidboxReply small = PidboxMessages.decodeAmqp("tk", "{\"w@h\": []}".getBytes(StandardCharsets.UTF_8));
        assertThat(small.oversized()).isFalse();
    }

    @Test
    void decodesTaskInfoStatsAndControlResults() throws IOException {
        TaskInfo task = TaskInfo.from(JSON.readTree("""
                {"id":"29054aed","name":"tasks.sleep","args":[40],"kwargs":{},"type":"tasks.sleep",
                 "hostname":"celery@worker-2","time_start":1795462299.40,"acknowledged":true,
                 "delivery_info":{"exchange":"","routing_key":"short-running-tasks","priority":0,"redelivered":null},
                 "worker_pid":8926}
                """));
        assertThat(task).isEqualTo(new TaskInfo("29054aed", "tasks.sleep", "celery@worker-2", "short-running-tasks",
                "", true, 1795462299.40, 8926));
        TaskInfo reserved = TaskInfo.from(JSON.readTree("""
                {"id":"x","name":"tasks.sleep","hostname":"h","time_start":null,"acknowledged":false,
                 "delivery_info":{"exchange":"","routing_key":"q"},"worker_pid":null}
                """));
        assertThat(reserved.timeStart()).isNull();
        assertThat(reserved.workerPid()).isNull();
        assertThat(reserved.acknowledged()).isFalse();

        WorkerStats stats = WorkerStats.from(JSON.readTree("""
                {"pid": 77, "uptime": 12, "prefetch_count": 2, "total": {"tasks.sleep": 5},
                 "pool": {"max-concurrency": 2, "processes": [1, 2]}}
                """));
        assertThat(stats.maxConcurrency()).isEqualTo(2);
        assertThat(stats.prefetchCount()).isEqualTo(2);
        assertThat(stats.total()).containsEntry("tasks.sleep", 5L);

        assertThat(ControlResult.from(JSON.readTree("{\"ok\": \"add consumer q\"}")))
                .isEqualTo(new ControlResult(true, "add consumer q"));
        assertThat(ControlResult.from(JSON.readTree("{\"error\": \"boom\"}")))
                .isEqualTo(new ControlResult(false, "boom"));
    }
}
