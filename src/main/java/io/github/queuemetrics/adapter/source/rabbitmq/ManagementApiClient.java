package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lists the queues of one vhost through the RabbitMQ management API: {@code GET /api/queues/{vhost}}
 * with only the columns the adapter reads, page by page ({@code page_size} at most 500, the
 * plugin's cap) until {@code page_count}. That is one request per vhost per poll for up to 500
 * queues, however many queues are configured (KEDA makes one request per queue and cannot page).
 *
 * <p>Blocking; HTTP through {@link BrokerHttp} (HTTP/1.1). Every request is bounded by {@code timeout} as a whole,
 * body included. Error messages name the URI without its password and never the Authorization header.
 *
 * <p>The user needs the {@code monitoring} tag, or {@code management} plus permissions on the vhost.
 */
final class ManagementApiClient {

    /** The management plugin rejects larger pages with 400 invalid_pagination_parameters. */
    static final int MAX_PAGE_SIZE = 500;

    /**
     * What each queue object holds: name and vhost, the counts, and the publish/ack rates. The
     * {@code avg_rate} fields exist because of {@code msg_rates_age=60}: the mean rate over the
     * last minute, as the contract defines the rates; {@code rate} (the last 5 s interval) is the
     * fallback for a plugin that does not answer {@code avg_rate}. the cumulative counts
     * {@code message_stats.publish}, {@code deliver_get} and {@code redeliver} date the oldest ready
     * message, see {@link PublishHistory}.
     */
    static final String COLUMNS = String.join(",",
            "name", "vhost", "messages_ready", "messages_unacknowledged", "consumers",
            "message_stats.publish_details.rate", "message_stats.publish_details.avg_rate",
            "message_stats.ack_details.rate", "message_stats.ack_details.avg_rate", "message_stats.publish",
            "message_stats.deliver_get", "message_stats.redeliver");

    /** How many times a listing is restarted when the queue set changes between its pages. */
    private static final int LISTING_ATTEMPTS = 3;

    private final URI base;
    private final String authorization;
    private final String user;
    private final int pageSize;
    private final BrokerHttp http;

    /** With the JVM's default trust for {@code https://}. */
    ManagementApiClient(URI managementUri, RabbitMqUris.Credentials credentials, Duration timeout, int pageSize) {
        this(managementUri, credentials, timeout, pageSize, BrokerTls.jvmDefault());
    }

    /** @param tls trust for {@code https://} (the JDK client verifies chain and host name) */
    ManagementApiClient(URI managementUri, RabbitMqUris.Credentials credentials, Duration timeout, int pageSize,
                        BrokerTls tls) {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page size must be 1.." + MAX_PAGE_SIZE + ": " + pageSize);
        }
        this.base = BrokerHttp.withoutUserInfo(managementUri);
        this.user = credentials.user();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (credentials.user() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
        this.pageSize = pageSize;
        this.http = new BrokerHttp(timeout, tls, describe());
    }

    /** Every queue of {@code vhost}, following all pages. */
    List<ManagementQueue> listQueues(String vhost) throws IOException, InterruptedException {
        return listQueues(vhost, List.of());
    }

    /**
     * Every queue of {@code vhost}, following all pages, each once. Page-number paging over a list
     * that changes can skip a queue even when the counts do not change (one queue deleted before
     * the position read so far, another created after it: the items shift by one onto a page
     * already read). Such a queue existed before the listing started, so the caller names the
     * queues it expects ({@code expected}: configured ones, those of the previous poll); each of
     * them that a listing of several pages left out is looked up by name, and kept when it exists.
     * A one-page listing is one consistent answer and needs no look-up. Cost: one request per
     * expected queue missing from a multi-page listing (usually none; a deleted queue once).
     */
    List<ManagementQueue> listQueues(String vhost, Collection<String> expected) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            ManagementQueuesPage first = fetchPage(vhost, 1);
            Map<String, ManagementQueue> byName = new LinkedHashMap<>();
            first.queues().forEach(q -> byName.put(q.name(), q));
            boolean consistent = true;
            for (int page = 2; page <= first.pageCount(); page++) {
                ManagementQueuesPage next = fetchPage(vhost, page);
                if (next.pageCount() != first.pageCount() || next.filteredCount() != first.filteredCount()) {
                    consistent = false; // a queue came or went between pages: items shifted
                    break;
                }
                // a queue created before the position read so far repeats at a page boundary: once
                next.queues().forEach(q -> byName.put(q.name(), q));
            }
            if (consistent) {
                if (first.pageCount() > 1) {
                    lookUpSkipped(vhost, expected, byName);
                }
                return new ArrayList<>(byName.values());
            }
            if (attempt == LISTING_ATTEMPTS) {
                throw new IOException("the queues of vhost '" + vhost + "' kept changing while "
                        + describe() + " was paging through them (" + attempt + " attempts)");
            }
        }
    }

    private void lookUpSkipped(String vhost, Collection<String> expected, Map<String, ManagementQueue> byName)
            throws IOException, InterruptedException {
        for (String name : expected) {
            if (!byName.containsKey(name)) {
                Optional<ManagementQueue> found = fetchQueue(vhost, name);
                if (found.isPresent()) {
                    byName.put(name, found.get());
                }
            }
        }
    }

    /** {@code GET /api/queues/{vhost}/{name}}: the queue, or empty when the broker has no such queue (404). */
    Optional<ManagementQueue> fetchQueue(String vhost, String name) throws IOException, InterruptedException {
        URI uri = apiUri("/api/queues/" + RabbitMqUris.encodePathSegment(vhost) + "/" + RabbitMqUris.encodePathSegment(name),
                "msg_rates_age=60&msg_rates_incr=5&columns=" + COLUMNS);
        HttpResponse<byte[]> response = send(get(uri), vhost);
        int status = response.statusCode();
        if (status == 404) {
            return Optional.empty();
        }
        if (status == 200) {
            try {
                return Optional.of(ManagementQueuesParser.parseOne(response.body(), vhost));
            } catch (IOException e) {
                throw new IOException(describe() + " answered an unreadable queue '" + name + "' of vhost '" + vhost
                        + "': " + e.getMessage(), e);
            }
        }
        throw new IOException(describe() + " answered " + status + " to GET " + uri.getRawPath() + ": "
                + snippet(response.body()));
    }

    /**
     * {@code GET /api/vhosts/{vhost}}: true when the vhost exists, false on 404. The Prometheus
     * endpoint answers a vhost it does not know with no series, as for an empty one; this tells them apart.
     */
    boolean vhostExists(String vhost) throws IOException, InterruptedException {
        URI uri = apiUri("/api/vhosts/" + RabbitMqUris.encodePathSegment(vhost), "columns=name");
        HttpResponse<byte[]> response = send(get(uri), vhost);
        int status = response.statusCode();
        if (status == 200 || status == 404) {
            return status == 200;
        }
        if (status == 401) {
            throw new IOException(describe() + " rejected the credentials of user '" + user + "' (401 "
                    + snippet(response.body()) + ")");
        }
        throw new IOException(describe() + " answered " + status + " to GET " + uri.getRawPath() + ": "
                + snippet(response.body()));
    }

    /** {@code GET /api/queues/{vhost}?page=N...} and its parse. */
    ManagementQueuesPage fetchPage(String vhost, int page) throws IOException, InterruptedException {
        URI uri = queuesPageUri(vhost, page);
        HttpResponse<byte[]> response = send(get(uri), vhost);
        int status = response.statusCode();
        if (status == 200) {
            try {
                return ManagementQueuesParser.parse(response.body(), vhost);
            } catch (IOException e) {
                throw new IOException(describe() + " answered an unreadable queue list for vhost '" + vhost
                        + "': " + e.getMessage(), e);
            }
        }
        String body = snippet(response.body());
        if (status == 401) {
            throw new IOException(describe() + " rejected the credentials of user '" + user + "' (401 " + body + ")");
        }
        if (status == 404) {
            throw new IOException(describe() + ": vhost '" + vhost + "' does not exist (404 " + body + ")");
        }
        throw new IOException(describe() + " answered " + status + " to GET " + uri.getRawPath() + ": " + body);
    }

    /**
     * {@code {base}/api/queues/{vhost}?page=..&page_size=..&...}; the vhost is one encoded path
     * segment ({@code /} is {@code %2F}), and a base path (a {@code management.path_prefix} or an
     * ingress prefix) is kept.
     */
    URI queuesPageUri(String vhost, int page) {
        // No sort parameter: the plugin's default order is (vhost, name), i.e. by name within the
        // one vhost asked for, which paging relies on. An explicit sort=name gives the same order
        // but costs the plugin 2-7 s per page at 10,000 queues instead of 0.3-0.5 s (bench/README.md).
        String query = "page=" + page + "&page_size=" + pageSize
                + "&msg_rates_age=60&msg_rates_incr=5"
                + "&columns=" + COLUMNS;
        return apiUri("/api/queues/" + RabbitMqUris.encodePathSegment(vhost), query);
    }

    /** {@code {base}{path}?{query}}, keeping a base path (a {@code management.path_prefix} or an ingress prefix). */
    private URI apiUri(String rawPath, String query) {
        return BrokerHttp.resolve(base, rawPath, query);
    }

    private HttpRequest get(URI uri) {
        return http.get(uri)
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .build();
    }

    int pageSize() {
        return pageSize;
    }

    private HttpResponse<byte[]> send(HttpRequest request, String vhost) throws IOException, InterruptedException {
        return http.send(request, "(vhost '" + vhost + "')");
    }

    /** "management API http://host:15672" : the base URI, never credentials. */
    String describe() {
        return "management API " + base;
    }

    private static String snippet(byte[] body) {
        return BrokerHttp.snippet(body);
    }
}
