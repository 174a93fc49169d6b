package io.github.queuemetrics.adapter.source.rabbitmq;

import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.page;
import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.pageBody;
import static io.github.queuemetrics.adapter.source.rabbitmq.FakeManagementApi.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ManagementApiClientTest {

    private static final RabbitMqUris.Credentials CREDS = new RabbitMqUris.Credentials("monitor", "hunter2-secret");

    private static ManagementApiClient client(URI uri, Duration timeout) {
        return new ManagementApiClient(uri, CREDS, timeout, 2);
    }

    @Test
    void buildsThePageUrlWithTheVhostEncodedAndNoCredentials() {
        ManagementApiClient c = new ManagementApiClient(URI.create("https://mon:pw@rabbit.example:15671/rabbitmq/"),
                CREDS, Duration.ofSeconds(1), 500);
        URI uri = c.queuesPageUri("/", 3);
        assertThat(uri.toString()).startsWith("https://rabbit.example:15671/rabbitmq/api/queues/%2F?page=3&page_size=500&")
                .doesNotContain("mon").doesNotContain("pw@");
        assertThat(uri.getRawQuery()).contains("columns=name,vhost,messages_ready,messages_unacknowledged,consumers,"
                + "message_stats.publish_details.rate,message_stats.publish_details.avg_rate,"
                + "message_stats.ack_details.rate,message_stats.ack_details.avg_rate")
                .contains("msg_rates_age=60")
                // the default order (vhost, name) is what paging needs; an explicit sort is far slower
                .doesNotContain("sort=");
        assertThat(new ManagementApiClient(URI.create("http://h:15672"), CREDS, Duration.ofSeconds(1), 2)
                .queuesPageUri("team a/b", 1).getRawPath()).isEqualTo("/api/queues/team%20a%2Fb");
        assertThat(c.describe()).isEqualTo("management API https://rabbit.example:15671/rabbitmq/");
    }

    @Test
    void rejectsPageSizesThePluginWouldRefuse() {
        assertThatThrownBy(() -> new ManagementApiClient(URI.create("http://h:15672"), CREDS, Duration.ofSeconds(1), 501))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void followsEveryPageWithBasicAuth() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> switch (page(uri)) {
            case 1 -> new FakeManagementApi.Answer(200, pageBody(1, 3, 5, queue("a", 1, 0, 0), queue("b", 2, 0, 0)));
            case 2 -> new FakeManagementApi.Answer(200, pageBody(2, 3, 5, queue("c", 3, 0, 0), queue("d", 4, 0, 0)));
            case 3 -> new FakeManagementApi.Answer(200, pageBody(3, 3, 5, queue("e", 5, 1, 1)));
            default -> new FakeManagementApi.Answer(400, "{\"error\":\"page_out_of_range\"}");
        })) {
            List<ManagementQueue> queues = client(api.uri(null), Duration.ofSeconds(5)).listQueues("/");
            assertThat(queues).extracting(ManagementQueue::name).containsExactly("a", "b", "c", "d", "e");
            assertThat(queues).extracting(ManagementQueue::ready).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(api.requests).hasSize(3);
            assertThat(api.requests).allSatisfy(r -> {
                assertThat(r.rawPath()).isEqualTo("/api/queues/%2F");
                assertThat(r.authorization()).isEqualTo("Basic " + Base64.getEncoder()
                        .encodeToString("monitor:hunter2-secret".getBytes(StandardCharsets.UTF_8)));
            });
        }
    }

    @Test
    void restartsTheListingWhenQueuesComeOrGoBetweenPages() throws Exception {
        AtomicInteger firstPages = new AtomicInteger();
        try (FakeManagementApi api = new FakeManagementApi(uri -> {
            if (page(uri) == 1) {
                // the first listing sees 3 queues; by its second page a fourth exists
                return firstPages.incrementAndGet() == 1
                        ? new FakeManagementApi.Answer(200, pageBody(1, 2, 3, queue("a", 1, 0, 0), queue("b", 1, 0, 0)))
                        : new FakeManagementApi.Answer(200, pageBody(1, 2, 4, queue("a", 1, 0, 0), queue("b", 1, 0, 0)));
            }
            return new FakeManagementApi.Answer(200, pageBody(2, 2, 4, queue("c", 1, 0, 0), queue("d", 1, 0, 0)));
        })) {
            List<ManagementQueue> queues = client(api.uri(null), Duration.ofSeconds(5)).listQueues("/");
            assertThat(queues).extracting(ManagementQueue::name).containsExactly("a", "b", "c", "d");
            assertThat(firstPages.get()).isEqualTo(2);
        }
    }

    @Test
    void anAuthenticationFailureSaysSoWithoutThePassword() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(
                uri -> new FakeManagementApi.Answer(401, "{\"error\":\"not_authorized\",\"reason\":\"Login failed\"}"))) {
            assertThatThrownBy(() -> client(api.uri("monitor:hunter2-secret"), Duration.ofSeconds(5)).listQueues("/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("rejected the credentials of user 'monitor'")
                    .hasMessageContaining("Login failed")
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void aServerErrorAndAMissingVhostAreErrors() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> uri.getRawPath().endsWith("nope")
                ? new FakeManagementApi.Answer(404, "{\"error\":\"Object Not Found\",\"reason\":\"Not Found\"}")
                : new FakeManagementApi.Answer(503, "{\"error\":\"unavailable\"}"))) {
            ManagementApiClient c = client(api.uri(null), Duration.ofSeconds(5));
            assertThatThrownBy(() -> c.listQueues("/")).isInstanceOf(IOException.class)
                    .hasMessageContaining("answered 503").hasMessageContaining(api.uri(null).toString());
            assertThatThrownBy(() -> c.listQueues("nope")).isInstanceOf(IOException.class)
                    .hasMessageContaining("vhost 'nope' does not exist");
        }
    }

    @Test
    void aSlowServerTimesOut() throws Exception {
        try (FakeManagementApi api = new FakeManagementApi(uri -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new FakeManagementApi.Answer(200, pageBody(1, 0, 0));
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client(api.uri(null), Duration.ofMillis(300)).listQueues("/"))
                    .isInstanceOf(IOException.class).hasMessageContaining("did not answer within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void aClosedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ManagementApiClient c = client(URI.create("http://monitor:hunter2-secret@127.0.0.1:" + port), Duration.ofSeconds(2));
        assertThatThrownBy(() -> c.listQueues("/")).isInstanceOf(IOException.class)
                .hasMessageContaining("is unreachable").hasMessageContaining("127.0.0.1:" + port)
                .hasMessageNotContaining("hunter2");
    }
}
