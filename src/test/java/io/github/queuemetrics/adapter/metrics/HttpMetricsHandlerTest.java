package io.github.queuemetrics.adapter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The request timers' labels stay a small, fixed set whatever methods callers invent. */
class HttpMetricsHandlerTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    @Test
    void inventedMethodsShareOneSeries() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Router router = Router.router(vertx);
        router.route().handler(new HttpMetricsHandler(registry, "management"));
        router.get("/healthz").handler(ctx -> ctx.response().end("ok"));
        HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        for (String method : new String[] {"GET", "POST", "DELETE"}) {
            send(client, server, method);
        }
        for (int i = 0; i < 50; i++) {
            send(client, server, "INVENTED" + i);
        }

        Set<String> methods = registry.getMeters().stream()
                .filter(m -> m.getId().getName().equals("adapter.http.requests"))
                .map(Meter::getId).map(id -> id.getTag("method")).collect(Collectors.toSet());
        assertThat(methods).containsExactlyInAnyOrder("GET", "POST", "DELETE", "other");
    }

    private static void send(HttpClient client, HttpServer server, String method) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + server.actualPort() + "/healthz"))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isIn(200, 404, 405);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
