package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.workers.celery.CeleryWorkerRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Start times of Celery tasks: the task-started event when known, else when first seen running (a lower bound). */
class CeleryTaskStartsTest {

    static final Instant T0 = Instant.parse("2026-12-01T22:00:00Z");

    final CeleryWorkerRegistry registry = new CeleryWorkerRegistry(Clock.fixed(T0, ZoneOffset.UTC));
    final CeleryTaskStarts starts = new CeleryTaskStarts(registry);

    @Test
    void withoutEventsATaskStartedWhenItWasFirstSeenRunningOnThatWorker() {
        assertThat(starts.running("w1", List.of("a"), T0)).containsEntry("a", T0);
        assertThat(starts.running("w1", List.of("a", "b"), T0.plusSeconds(15)))
                .containsEntry("a", T0).containsEntry("b", T0.plusSeconds(15));
        // "a" finished (absent from a reply): forgotten, so the map stays as small as the worker's concurrency
        assertThat(starts.running("w1", List.of("b"), T0.plusSeconds(30))).containsOnlyKeys("b");
        assertThat(starts.running("w1", List.of("a"), T0.plusSeconds(45))).containsEntry("a", T0.plusSeconds(45));
        // per worker: the same id on another worker (redelivery) starts its own count
        assertThat(starts.running("w2", List.of("b"), T0.plusSeconds(45))).containsEntry("b", T0.plusSeconds(45));
    }

    @Test
    void theTaskStartedEventTimeWinsWhenEarlier() throws Exception {
        ObjectNode started = (ObjectNode) new ObjectMapper().readTree("{\"type\":\"task-started\",\"uuid\":\"a\","
                + "\"hostname\":\"w1\",\"timestamp\":" + (T0.getEpochSecond() - 600) + ",\"pid\":1}");
        registry.onEvent(started);
        assertThat(starts.running("w1", List.of("a"), T0)).containsEntry("a", T0.minusSeconds(600));
    }

    @Test
    void atMostMaxWorkersAreRemembered() {
        for (int i = 0; i <= CeleryTaskStarts.MAX_WORKERS; i++) {
            starts.running("w" + i, List.of("t"), T0);
        }
        // w0 was the least recently asked: forgotten, its task reads as first seen now
        assertThat(starts.running("w0", List.of("t"), T0.plusSeconds(60))).containsEntry("t", T0.plusSeconds(60));
        assertThat(starts.running("w" + CeleryTaskStarts.MAX_WORKERS, List.of("t"), T0.plusSeconds(60)))
                .containsEntry("t", T0);
    }
}
