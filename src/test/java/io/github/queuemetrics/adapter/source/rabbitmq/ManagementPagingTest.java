package io.github.queuemetrics.adapter.source.rabbitmq;

import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.page;
import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.pageBody;
import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.queue;
import static io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSourceTest.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Page-number paging over a list that shifts: with queues [a, b, c, d] in pages of 2, deleting
 * {@code a} and creating {@code e} between the two pages moves {@code c} from page 2 to page 1,
 * which was already read, while every count stays 4. A deterministic fake management API makes
 * that change exactly between the pages.
 */
class ManagementPagingTest {

    /** The broker's queues (name to ready), sorted by name as the plugin pages them. */
    private final Map<String, Integer> queues = new TreeMap<>(Map.of("a", 1, "b", 2, "c", 3, "d", 4));
    /** Set to make the next page-1 answer be followed by a delete of a and a create of e. */
    private final AtomicBoolean shiftAfterFirstPage = new AtomicBoolean();

    private FakeManagementApi.Answer answer(URI uri) {
        String path = uri.getRawPath();
        if (!path.equals("/api/queues/%2F")) { // one queue: /api/queues/%2F/{name}
            String name = path.substring("/api/queues/%2F/".length());
            Integer ready = queues.get(name);
            return ready == null
                    ? new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\",\"reason\":\"Not Found\"}")
                    : new FakeManagementApi.Answer(200, queue(name, ready, 0, 0));
        }
        int page = page(uri);
        List<String> items = queues.entrySet().stream().skip((page - 1) * 2L).limit(2)
                .map(e -> queue(e.getKey(), e.getValue(), 0, 0)).toList();
        String body = pageBody(page, (queues.size() + 1) / 2, queues.size(), items.toArray(String[]::new));
        if (page == 1 && shiftAfterFirstPage.getAndSet(false)) {
            queues.remove("a");
            queues.put("e", 5);
        }
        return new FakeManagementApi.Answer(200, body);
    }

    private RabbitMqSource source(FakeManagementApi api, List<String> fixed, Pattern pattern) {
        return new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/%2F"), api.uri(null), List.of(),
                fixed, pattern), Duration.ofSeconds(5), 2);
    }

    private static Map<String, Double> ready(SourceSnapshot snapshot) {
        return snapshot.queues().stream().collect(Collectors.toMap(QueueSample::queue,
                s -> s.value(QueueMetric.READY).orElseThrow()));
    }

    @Test
    void aConfiguredQueueShiftedOntoAReadPageIsNotReportedAsMissing() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(this::answer);
             RabbitMqSource source = source(api, List.of("b", "c", "d"), null)) {
            shiftAfterFirstPage.set(true);
            assertThat(ready(source.poll())).containsExactlyInAnyOrderEntriesOf(Map.of("b", 2.0, "c", 3.0, "d", 4.0));
        }
    }

    @Test
    void aDiscoveredQueueShiftedOntoAReadPageIsNotDropped() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(this::answer);
             RabbitMqSource source = source(api, List.of(), Pattern.compile("."))) {
            assertThat(ready(source.poll())).containsOnlyKeys("a", "b", "c", "d");
            shiftAfterFirstPage.set(true);
            // c, shifted onto page 1 after it was read, is looked up by name; a was on page 1 when
            // it was read, e is on page 2
            assertThat(ready(source.poll())).containsExactlyInAnyOrderEntriesOf(
                    Map.of("a", 1.0, "b", 2.0, "c", 3.0, "d", 4.0, "e", 5.0));
            // the next poll: a is gone, and its look-up (it was expected) says so
            assertThat(ready(source.poll())).containsOnlyKeys("b", "c", "d", "e");
            assertThat(api.requests).extracting(FakeManagementApi.HttpExchangeRecord::rawPath)
                    .containsOnlyOnce("/api/queues/%2F/c", "/api/queues/%2F/a");
        }
    }

    @Test
    void aQueueDeletedForRealIsMissingAfterOneLookup() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(this::answer);
             RabbitMqSource source = source(api, List.of("a", "b"), null)) {
            queues.remove("a");
            assertThat(ready(source.poll())).containsExactlyInAnyOrderEntriesOf(Map.of("a", 0.0, "b", 2.0));
        }
    }

    @Test
    void discoveryBeyondMaxQueuesFailsThePollNamingSourcePatternAndCount() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(this::answer);
             RabbitMqSource source = new RabbitMqSource(config("rabbit", URI.create("amqp://localhost/%2F"),
                     api.uri(null), List.of(), List.of(), Pattern.compile("^[a-d]$")).withMaxQueues(3),
                     Duration.ofSeconds(5), 2)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(source::poll)
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("source rabbit: queuePattern '^[a-d]$' matches 4 queues, more than maxQueues (3)");
            queues.remove("d");
            assertThat(ready(source.poll())).containsOnlyKeys("a", "b", "c");
        }
    }
}
