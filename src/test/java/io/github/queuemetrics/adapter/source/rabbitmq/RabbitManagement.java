package io.github.queuemetrics.adapter.source.rabbitmq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Direct reads and chores on the real management API, independent of the code under test: what
 * RabbitMQ itself reports for a queue, the connections of a client name, deleting a vhost.
 */
final class RabbitManagement {

    /** What the broker reports for one queue right now (null fields: not reported). */
    record Counts(Long ready, Long unacked, Long consumers) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base = Brokers.rabbitManagementUri();
    private final String auth;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    RabbitManagement() {
        URI amqp = Brokers.rabbitAmqpUri();
        String userInfo = amqp.getUserInfo() == null ? "guest:guest" : amqp.getUserInfo();
        auth = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code GET /api/queues/{vhost}/{queue}}; null for a missing queue. */
    Counts queue(String vhost, String queue) throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/api/queues/" + RabbitMqUris.encodePathSegment(vhost) + "/"
                + RabbitMqUris.encodePathSegment(queue) + "?columns=messages_ready,messages_unacknowledged,consumers");
        if (r.statusCode() == 404) {
            return null;
        }
        JsonNode n = JSON.readTree(r.body());
        return new Counts(n.has("messages_ready") ? n.get("messages_ready").asLong() : null,
                n.has("messages_unacknowledged") ? n.get("messages_unacknowledged").asLong() : null,
                n.has("consumers") ? n.get("consumers").asLong() : null);
    }

    /** Names (as the broker knows them) of the open connections with this client-provided name. */
    List<String> connectionsNamed(String clientProvidedName) throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/api/connections?columns=name,client_properties.connection_name");
        List<String> names = new ArrayList<>();
        for (JsonNode c : JSON.readTree(r.body())) {
            if (clientProvidedName.equals(c.path("client_properties").path("connection_name").asText(null))) {
                names.add(c.get("name").asText());
            }
        }
        return names;
    }

    /** Force-closes a connection, as an operator (or a broker restart) would. */
    void closeConnection(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send("DELETE", "/api/connections/" + RabbitMqUris.encodePathSegment(name));
        if (r.statusCode() / 100 != 2) {
            throw new IOException("closing connection " + name + ": " + r.statusCode() + " " + r.body());
        }
    }

    void deleteVhost(String vhost) throws IOException, InterruptedException {
        HttpResponse<String> r = send("DELETE", "/api/vhosts/" + RabbitMqUris.encodePathSegment(vhost));
        if (r.statusCode() / 100 != 2 && r.statusCode() != 404) {
            throw new IOException("deleting vhost " + vhost + ": " + r.statusCode() + " " + r.body());
        }
    }

    private HttpResponse<String> send(String method, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + pathAndQuery))
                .header("Authorization", auth)
                .header("X-Reason", "queue-metrics-adapter integration test")
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
