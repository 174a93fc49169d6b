package io.github.queuemetrics.adapter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
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
        HttpClient client = vertx.createHttpClient();

        for (String method : new String[] {"GET", "POST", "DELETE"}) {
            send(client, server, HttpMethod.valueOf(method));
        }
        for (int i = 0; i < 50; i++) {
            send(client, server, HttpMethod.valueOf("INVENTED" + i));
        }

        Set<String> methods = registry.getMeters().stream()
                .filter(m -> m.getId().getName().equals("adapter.http.requests"))
                .map(Meter::getId).map(id -> id.getTag("method")).collect(Collectors.toSet());
        assertThat(methods).containsExactlyInAnyOrder("GET", "POST", "DELETE", "other");
    }

    private static void send(HttpClient client, HttpServer server, HttpMethod method) throws Exception {
        HttpClientResponse response = await(client.request(new RequestOptions().setMethod(method)
                .setHost("localhost").setPort(server.actualPort()).setURI("/healthz"))
                .compose(req -> req.send()).compose(r -> r.body().map(b -> r)));
        assertThat(response.statusCode()).isIn(200, 404, 405);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
