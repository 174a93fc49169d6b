package io.github.queuemetrics.adapter.source.rabbitmq;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A local HTTP server that answers like the management API, for unit tests of the client. */
final class FakeManagementApi implements AutoCloseable {

    /** One answer: status and body. */
    record Answer(int status, String body) {
    }

    final List<HttpExchangeRecord> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    /** What the server saw of one request. */
    record HttpExchangeRecord(String rawPath, String rawQuery, String authorization) {
    }

    FakeManagementApi(Function<URI, Answer> handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> respond(exchange, handler));
        server.start();
    }

    private void respond(HttpExchange exchange, Function<URI, Answer> handler) throws IOException {
        URI uri = exchange.getRequestURI();
        requests.add(new HttpExchangeRecord(uri.getRawPath(), uri.getRawQuery(),
                exchange.getRequestHeaders().getFirst("Authorization")));
        Answer answer = handler.apply(uri);
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    URI uri(String userInfo) {
        return URI.create("http://" + (userInfo == null ? "" : userInfo + "@") + "127.0.0.1:"
                + server.getAddress().getPort());
    }

    static int page(URI uri) {
        for (String param : uri.getRawQuery().split("&")) {
            if (param.startsWith("page=")) {
                return Integer.parseInt(param.substring(5));
            }
        }
        throw new IllegalArgumentException("no page in " + uri);
    }

    /** A page of the paginated answer holding {@code items} (JSON objects). */
    static String pageBody(int page, int pageCount, int filteredCount, String... items) {
        return "{\"filtered_count\":" + filteredCount + ",\"item_count\":" + items.length + ",\"items\":["
                + String.join(",", items) + "],\"page\":" + page + ",\"page_count\":" + pageCount
                + ",\"page_size\":2,\"total_count\":" + filteredCount + "}";
    }

    static String queue(String name, int ready, int unacked, int consumers) {
        return "{\"name\":\"" + name + "\",\"vhost\":\"/\",\"messages_ready\":" + ready
                + ",\"messages_unacknowledged\":" + unacked + ",\"consumers\":" + consumers + "}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
