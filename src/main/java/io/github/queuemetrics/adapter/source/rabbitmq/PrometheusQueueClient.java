package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the per-queue counts of one vhost from the {@code rabbitmq_prometheus} plugin:
 * {@code GET /metrics/detailed?vhost=V&family=queue_coarse_metrics&family=queue_consumer_count}
 * (port 15692). One request per vhost per poll whatever the number of queues; the plugin reads its
 * node's metrics tables and does none of the management plugin's aggregation.
 *
 * <p>Series read (names checked against RabbitMQ 3.10.8): {@code rabbitmq_detailed_queue_messages_ready},
 * {@code rabbitmq_detailed_queue_messages_unacked} (family queue_coarse_metrics) and
 * {@code rabbitmq_detailed_queue_consumers} (queue_consumer_count), each labelled {@code vhost} and
 * {@code queue}. The answer must declare all three ({@code # TYPE}, written even when no queue has
 * a series) and end with a newline: anything else is a failed or cut-off scrape and fails the poll,
 * so that a queue is never taken as absent because the answer stopped early.
 *
 * <p>No authentication unless the URI carries {@code user:password@} (sent as basic auth); the
 * plugin needs none by default.
 */
final class PrometheusQueueClient {

    static final String READY = "rabbitmq_detailed_queue_messages_ready";
    static final String UNACKED = "rabbitmq_detailed_queue_messages_unacked";
    static final String CONSUMERS = "rabbitmq_detailed_queue_consumers";
    private static final Set<String> WANTED = Set.of(READY, UNACKED, CONSUMERS);

    private final URI base;
    private final String authorization;
    private final BrokerHttp http;

    PrometheusQueueClient(URI prometheusUri, Duration timeout, BrokerTls tls) {
        this.base = BrokerHttp.withoutUserInfo(prometheusUri);
        String userInfo = prometheusUri.getRawUserInfo();
        if (userInfo == null || userInfo.isEmpty()) {
            this.authorization = null;
        } else {
            RabbitMqUris.Credentials c = RabbitMqUris.credentials(prometheusUri, null);
            this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (c.user() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
        }
        this.http = new BrokerHttp(timeout, tls, describe());
    }

    /**
     * The queues of {@code vhost} that the plugin has counts for, by name. A queue the plugin has
     * no row for yet (declared less than one statistics interval ago) or hosts on another node is
     * not in the map; {@link ManagementQueue#UNKNOWN} marks a count the scrape lacks or holds as NaN.
     */
    Map<String, ManagementQueue> fetch(String vhost) throws IOException, InterruptedException {
        URI uri = scrapeUri(vhost);
        HttpRequest.Builder request = http.get(uri).header("Accept", "text/plain");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response = http.send(request.build(), "(vhost '" + vhost + "')");
        if (response.statusCode() != 200) {
            throw new IOException(describe() + " answered " + response.statusCode() + " to GET " + uri.getRawPath()
                    + ": " + BrokerHttp.snippet(response.body()));
        }
        try {
            return parse(response.body(), vhost);
        } catch (IOException e) {
            throw new IOException(describe() + " answered an unreadable scrape for vhost '" + vhost + "': "
                    + e.getMessage(), e);
        }
    }

    /** The counts of {@code vhost} in one scrape body; series of other vhosts are left out. */
    static Map<String, ManagementQueue> parse(byte[] body, String vhost) throws IOException {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            throw new IOException("the answer does not end with a newline (cut off?)");
        }
        PrometheusText.Scrape scrape = PrometheusText.parse(text, WANTED);
        for (String family : List.of(READY, UNACKED, CONSUMERS)) {
            if (!scrape.declared().contains(family)) {
                throw new IOException("no '# TYPE " + family + "' line: not the plugin's detailed queue metrics"
                        + " (is the URI the rabbitmq_prometheus port, 15692?)");
            }
        }
        Map<String, long[]> counts = new HashMap<>();
        for (PrometheusText.Series s : scrape.series()) {
            String queue = s.labels().get("queue");
            String seriesVhost = s.labels().get("vhost");
            if (queue == null || seriesVhost == null) {
                throw new IOException(s.name() + " without the labels vhost and queue: " + s.labels());
            }
            if (!seriesVhost.equals(vhost)) {
                continue; // the plugin filters by vhost; this keeps another vhost out even if it did not
            }
            long[] c = counts.computeIfAbsent(queue, q -> new long[] {
                ManagementQueue.UNKNOWN, ManagementQueue.UNKNOWN, ManagementQueue.UNKNOWN});
            int i = s.name().equals(READY) ? 0 : s.name().equals(UNACKED) ? 1 : 2;
            // A count that is not a finite non-negative number is unknown, not 0. The same queue
            // twice (one node reporting a queue it no longer leads?) keeps the larger count.
            long value = Double.isFinite(s.value()) && s.value() >= 0 ? (long) s.value() : ManagementQueue.UNKNOWN;
            c[i] = Math.max(c[i], value);
        }
        Map<String, ManagementQueue> queues = new HashMap<>(counts.size() * 2);
        counts.forEach((name, c) -> queues.put(name,
                new ManagementQueue(name, vhost, c[0], c[1], c[2], Double.NaN, Double.NaN, ManagementQueue.UNKNOWN, 0)));
        return queues;
    }

    /** {@code {base}/metrics/detailed?vhost=..&family=queue_coarse_metrics&family=queue_consumer_count}. */
    URI scrapeUri(String vhost) {
        return BrokerHttp.resolve(base, "/metrics/detailed", "vhost=" + RabbitMqUris.encodePathSegment(vhost)
                + "&family=queue_coarse_metrics&family=queue_consumer_count");
    }

    /** "Prometheus endpoint http://host:15692": the base URI, never credentials. */
    String describe() {
        return "Prometheus endpoint " + base;
    }
}
