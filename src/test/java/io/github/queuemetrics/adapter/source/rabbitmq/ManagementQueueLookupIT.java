package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The by-name look-up that covers a queue skipped by paging ({@link ManagementApiClient#fetchQueue})
 * against the real management plugin: same columns and numbers as the listing, 404 as empty, and
 * names that need encoding. In vhost {@code h6-sources}.
 */
@Timeout(180)
class ManagementQueueLookupIT {

    private static final String VHOST = "h6-sources";
    private static final RabbitManagement BROKER = new RabbitManagement();

    @AfterAll
    static void deleteVhost() throws Exception {
        BROKER.deleteVhost(VHOST);
    }

    @Test
    void aQueueLookedUpByNameReadsLikeTheListing() throws Exception {
        BROKER.deleteVhost(VHOST);
        URI amqp = Brokers.rabbitVhost(VHOST);
        List<String> names = List.of("h6-sources-lookup", "h6-sources/odd name+%");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqp);
        try (Connection c = factory.newConnection("h6-sources-setup"); Channel ch = c.createChannel()) {
            for (String q : names) {
                ch.queueDeclare(q, false, false, false, null);
                for (int i = 0; i < 3; i++) {
                    ch.basicPublish("", q, null, "x".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        ManagementApiClient client = new ManagementApiClient(Brokers.rabbitManagementUri(),
                RabbitMqUris.credentials(Brokers.rabbitManagementUri(), amqp), Duration.ofSeconds(10), 1);
        for (String q : names) {
            // The plugin emits a new queue's counts and its publish counter some statistics
            // intervals apart (a clean-clone CI run read ready 0 with the counts already known).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                ManagementQueue one = client.fetchQueue(VHOST, q).orElseThrow();
                assertThat(one.countsKnown()).isTrue();
                assertThat(one.name()).isEqualTo(q);
                assertThat(one.vhost()).isEqualTo(VHOST);
                assertThat(one.ready()).isEqualTo(3);
                assertThat(one.unacked()).isZero();
                assertThat(one.published()).isEqualTo(3);
            });
        }
        assertThat(client.fetchQueue(VHOST, "h6-sources-no-such-queue")).isEqualTo(Optional.empty());
        // pages of one queue: two pages, each looked-up name present once
        assertThat(client.listQueues(VHOST, names)).extracting(ManagementQueue::name)
                .containsExactlyInAnyOrderElementsOf(names);
    }
}
