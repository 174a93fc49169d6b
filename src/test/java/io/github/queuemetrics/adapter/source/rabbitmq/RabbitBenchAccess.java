package io.github.queuemetrics.adapter.source.rabbitmq;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** Lets the benches (package bench) reach this package's management-API client and parser. */
public final class RabbitBenchAccess {

    /** What one page held: the plugin's page count and how many queues had their counts reported. */
    public record PageSummary(int pageCount, int queues, int countsKnown) {
    }

    private RabbitBenchAccess() {
    }

    /** The exact URI the adapter requests for {@code page} of {@code vhost}. */
    public static URI pageUri(URI managementUri, URI amqpUri, String vhost, int page) {
        return new ManagementApiClient(managementUri, RabbitMqUris.credentials(managementUri, amqpUri),
                Duration.ofSeconds(10), ManagementApiClient.MAX_PAGE_SIZE).queuesPageUri(vhost, page);
    }

    /** Parses one captured page with the adapter's parser. */
    public static PageSummary parse(byte[] body, String vhost) throws IOException {
        ManagementQueuesPage page = ManagementQueuesParser.parse(body, vhost);
        int known = (int) page.queues().stream().filter(ManagementQueue::countsKnown).count();
        return new PageSummary(page.pageCount(), page.queues().size(), known);
    }

    /** The page number of a {@code /api/queues/..?page=N&..} request. */
    public static int page(URI uri) {
        return FakeManagementApi.page(uri);
    }
}
