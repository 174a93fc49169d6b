package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManagementQueuesParserTest {

    /** Shaped like RabbitMQ 3.10's answer with msg_rates_age=60 (samples included, as when details are asked whole). */
    static final String PAGE_1 = """
            {"filtered_count":3,"item_count":2,"items":[
              {"consumers":1,"message_stats":{
                  "ack_details":{"avg":1.5,"avg_rate":0.25,"rate":0.0,"samples":[{"sample":15,"timestamp":1795468645000},{"sample":0,"timestamp":1795468585000}]},
                  "publish_details":{"avg_rate":0.5,"rate":1.2},"publish":42,"deliver_get":39,"redeliver":2,
                  "deliver_get_details":{"rate":3.0}},
               "messages_ready":3,"messages_unacknowledged":2,"name":"celery","vhost":"/",
               "arguments":{"x-max-priority":10},"idle_since":null},
              {"consumers":0,"messages_ready":0,"messages_unacknowledged":0,"name":"idle-queue","vhost":"/"}
            ],"page":1,"page_count":2,"page_size":2,"total_count":3}
            """;

    @Test
    void readsCountsRatesAndPagination() throws IOException {
        ManagementQueuesPage page = ManagementQueuesParser.parse(PAGE_1.getBytes(StandardCharsets.UTF_8), "/");
        assertThat(page.page()).isEqualTo(1);
        assertThat(page.pageCount()).isEqualTo(2);
        assertThat(page.filteredCount()).isEqualTo(3);
        assertThat(page.queues()).containsExactly(
                new ManagementQueue("celery", "/", 3, 2, 1, 0.5, 0.25, 42, 37),
                new ManagementQueue("idle-queue", "/", 0, 0, 0, 0, 0, ManagementQueue.UNKNOWN, 0));
    }

    @Test
    void fallsBackToTheLastIntervalRateWithoutAvgRate() throws IOException {
        String body = """
                [{"name":"q","messages_ready":1,"messages_unacknowledged":0,"consumers":0,
                  "message_stats":{"publish_details":{"rate":2.5},"ack_details":{"rate":0.4}}}]""";
        ManagementQueuesPage page = ManagementQueuesParser.parse(body.getBytes(StandardCharsets.UTF_8), "jobs");
        assertThat(page.queues()).containsExactly(new ManagementQueue("q", "jobs", 1, 0, 0, 2.5, 0.4, ManagementQueue.UNKNOWN, 0));
        assertThat(page.pageCount()).isEqualTo(1);
    }

    @Test
    void aQueueWhoseStatisticsWereNotEmittedYetHasUnknownCounts() throws IOException {
        // what the plugin answers for a queue declared less than collect_statistics_interval ago
        String body = """
                {"filtered_count":1,"item_count":1,"items":[{"name":"fresh","vhost":"v"}],
                 "page":1,"page_count":1,"page_size":500,"total_count":1}""";
        ManagementQueue q = ManagementQueuesParser.parse(body.getBytes(StandardCharsets.UTF_8), "v").queues().get(0);
        assertThat(q.countsKnown()).isFalse();
        assertThat(q.consumers()).isEqualTo(ManagementQueue.UNKNOWN);
        assertThat(q.publishRate()).isZero();
    }

    @Test
    void anEmptyVhostHasZeroPages() throws IOException {
        String body = """
                {"filtered_count":0,"item_count":0,"items":[],"page":1,"page_count":0,"page_size":500,"total_count":0}""";
        ManagementQueuesPage page = ManagementQueuesParser.parse(body.getBytes(StandardCharsets.UTF_8), "/");
        assertThat(page.pageCount()).isZero();
        assertThat(page.queues()).isEmpty();
    }

    @Test
    void rejectsAnswersThatAreNotAQueueList() {
        assertThatThrownBy(() -> ManagementQueuesParser.parse("\"x\"".getBytes(StandardCharsets.UTF_8), "/"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ManagementQueuesParser.parse("{\"error\":\"x\"}".getBytes(StandardCharsets.UTF_8), "/"))
                .isInstanceOf(IOException.class).hasMessageContaining("items");
        assertThatThrownBy(() -> ManagementQueuesParser.parse("[{\"messages_ready\":1}]".getBytes(StandardCharsets.UTF_8), "/"))
                .isInstanceOf(IOException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> ManagementQueuesParser.parse("<html>".getBytes(StandardCharsets.UTF_8), "/"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void parsesTenThousandQueues() throws IOException {
        byte[] body = bigPage(10_000);
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 15; run++) { // the first runs warm the JIT up
            long start = System.nanoTime();
            ManagementQueuesPage page = ManagementQueuesParser.parse(body, "/");
            best = Math.min(best, System.nanoTime() - start);
            assertThat(page.queues()).hasSize(10_000);
            assertThat(page.queues().get(9_999).ready()).isEqualTo(9_999);
        }
        // Timing is reported, not asserted: the target (adapter's share under 200 ms) is measured
        // in bench/ (RabbitPollBench), where the machine's load is recorded beside it.
        System.out.printf("parsed 10,000 queues (%d KiB) in %.1f ms (best of 15)%n", body.length / 1024, best / 1e6);
    }

    static byte[] bigPage(int queues) {
        StringBuilder sb = new StringBuilder("{\"filtered_count\":").append(queues).append(",\"items\":[");
        for (int i = 0; i < queues; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"consumers\":2,\"message_stats\":{\"ack_details\":{\"avg_rate\":1.25,\"rate\":1.0},")
                    .append("\"publish_details\":{\"avg_rate\":1.5,\"rate\":2.0}},\"messages_ready\":").append(i)
                    .append(",\"messages_unacknowledged\":4,\"name\":\"celery-queue-").append(i)
                    .append("\",\"vhost\":\"/\"}");
        }
        return sb.append("],\"page\":1,\"page_count\":1,\"page_size\":").append(queues).append("}")
                .toString().getBytes(StandardCharsets.UTF_8);
    }
}
