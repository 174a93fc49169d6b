package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference of {@link ServingBench}, in a process of its own: the adapter's TLS setup
 * ({@link SecureServer}, self-signed, ALPN h2 and http/1.1) and a Router that answers every GET with
 * the bytes and headers the adapter answered the benchmark's request with, and does nothing else.
 *
 * <pre>java FLAGS -cp TEST_CLASSPATH ...BareHttpsServer PORT BODY_FILE</pre>
 */
public final class BareHttpsServer {

    private BareHttpsServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[1])));
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get().handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private")
                .end(body));
        SecureServer.start(vertx, router, port, TlsOptions.selfSigned(List.of())).await(30, TimeUnit.SECONDS);
        System.out.println("bare server listening on " + port);
    }
}
