package io.github.queuemetrics.adapter.workers.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CeleryEventDecoderTest {

    /** worker-online exactly as captured with PSUBSCRIBE /8.celeryev/* from celery 5.2.6 / kombu 5.2.4. */
    static final String REDIS_WORKER_ONLINE = "{\"body\": \"eyJob3N0bmFtZSI6ICJwcm9iZS1ldkBob3N0IiwgInV0Y29mZnNldC"
            + "I6IDAsICJwaWQiOiAxNTE5OCwgImNsb2NrIjogMSwgImZyZXEiOiAyLjAsICJhY3RpdmUiOiAwLCAicHJvY2Vzc2VkIjogMCwgImx"
            + "vYWRhdmciOiBbMC42NCwgMC40NSwgMC4yMl0sICJzd19pZGVudCI6ICJweS1jZWxlcnkiLCAic3dfdmVyIjogIjUuMi42IiwgInN3X"
            + "3N5cyI6ICJMaW51eCIsICJ0aW1lc3RhbXAiOiAxNzk1NDY4Njc4LjI0OTk5NzEsICJ0eXBlIjogIndvcmtlci1vbmxpbmUifQ==\", "
            + "\"content-encoding\": \"utf-8\", \"content-type\": \"application/json\", \"headers\": {\"hostname\": "
            + "\"probe-ev@host\"}, \"properties\": {\"delivery_mode\": 1, \"delivery_info\": {\"exchange\": "
            + "\"celeryev\", \"routing_key\": \"worker.online\"}, \"priority\": 0, \"body_encoding\": \"base64\", "
            + "\"delivery_tag\": \"5c17b677-dbd8-4070-bc47-441aabc32525\"}}";

    static final String TASK_MULTI = "[{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":97,"
            + "\"uuid\":\"t-1\",\"timestamp\":1795462365.1,\"type\":\"task-started\"},"
            + "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":98,\"uuid\":\"t-2\","
            + "\"timestamp\":1795462365.2,\"type\":\"task-started\"}]";

    @Test
    void redisEnvelopeWithBase64Body() {
        List<ObjectNode> events = CeleryEventDecoder.fromKombuEnvelope(REDIS_WORKER_ONLINE);
        assertThat(events).hasSize(1);
        ObjectNode e = events.get(0);
        assertThat(e.get("type").asText()).isEqualTo("worker-online");
        assertThat(e.get("hostname").asText()).isEqualTo("probe-ev@host");
        assertThat(e.get("freq").asDouble()).isEqualTo(2.0);
        assertThat(e.get("pid").asLong()).isEqualTo(15198);
        assertThat(e.get("sw_ver").asText()).isEqualTo("5.2.6");
    }

    @Test
    void redisEnvelopeWithPlainBodyAndArray() {
        String envelope = "{\"body\": " + quote(TASK_MULTI) + ", \"content-type\": \"application/json\", "
                + "\"properties\": {\"delivery_tag\": \"x\"}}";
        List<ObjectNode> events = CeleryEventDecoder.fromKombuEnvelope(envelope);
        assertThat(events).extracting(e -> e.get("uuid").asText()).containsExactly("t-1", "t-2");
    }

    @Test
    void base64ArrayIsFlattenedInOrder() {
        String b64 = Base64.getEncoder().encodeToString(TASK_MULTI.getBytes(StandardCharsets.UTF_8));
        String envelope = "{\"body\": \"" + b64 + "\", \"content-type\": \"application/json\", "
                + "\"content-encoding\": \"utf-8\", \"properties\": {\"body_encoding\": \"base64\"}}";
        assertThat(CeleryEventDecoder.fromKombuEnvelope(envelope))
                .extracting(e -> e.get("type").asText() + " " + e.get("uuid").asText())
                .containsExactly("task-started t-1", "task-started t-2");
    }

    @Test
    void amqpBodyObjectOrArray() {
        String heartbeat = "{\"hostname\":\"celery@worker-2\",\"utcoffset\":0,\"pid\":8924,\"clock\":96,\"freq\":2.0,"
                + "\"active\":2,\"processed\":4,\"loadavg\":[0.31,0.25,0.1],\"sw_ident\":\"py-celery\","
                + "\"sw_ver\":\"5.2.6\",\"sw_sys\":\"Linux\",\"timestamp\":1795462364.748,\"type\":\"worker-heartbeat\"}";
        assertThat(CeleryEventDecoder.fromAmqp(heartbeat.getBytes(StandardCharsets.UTF_8), "application/json", "utf-8"))
                .singleElement().satisfies(e -> assertThat(e.get("active").asInt()).isEqualTo(2));
        assertThat(CeleryEventDecoder.fromAmqp(TASK_MULTI.getBytes(StandardCharsets.UTF_8), null, null)).hasSize(2);
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThatThrownBy(() -> CeleryEventDecoder.fromAmqp(new byte[] {(byte) 0x80}, "application/x-python-serialize",
                "binary")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event_serializer");
        assertThatThrownBy(() -> CeleryEventDecoder.fromJsonText("[1,2]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CeleryEventDecoder.fromJsonText("{not json")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CeleryEventDecoder.fromKombuEnvelope("{\"nobody\":1}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void redisPatternEscapesGlobCharactersOfThePrefix() {
        assertThat(RedisEventStream.escapeGlob("app[1]*/8.celeryev")).isEqualTo("app\\[1\\]\\*/8.celeryev");
        RedisEventStream stream = new RedisEventStream(java.net.URI.create("redis://localhost:6379/8"), e -> { });
        try {
            assertThat(stream.patterns()).containsExactly("/8.celeryev/*", "/8.celeryev");
        } finally {
            stream.close();
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
