package io.github.queuemetrics.adapter.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The two ways {@link HostileInputIT} talks to the adapter. Valid requests go through
 * {@code java.net.http} (HTTP/1.1 and HTTP/2); malformed and huge ones are written byte for byte on
 * raw sockets (HTTP/1.1, plain or TLS), because a client library may refuse them or, as the Vert.x
 * client did, leave them hanging without an answer while the adapter had already answered (curl got
 * the 400 at once). Every request has a timeout; a request without an answer becomes an
 * {@link Answer} with status -1 naming its URL, so it fails the test instead of being lost.
 */
final class HostileClients implements AutoCloseable {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int IN_FLIGHT = 50;

    record Answer(int status, String contentType, String body) {

        static Answer noAnswer(String url, Throwable e) {
            return new Answer(-1, null, url.substring(0, Math.min(80, url.length())) + ": " + e);
        }
    }

    private final SSLContext trustAll = trustAll();
    private final ExecutorService rawPool = Executors.newFixedThreadPool(IN_FLIGHT);
    private final HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustAll)
            .connectTimeout(REQUEST_TIMEOUT).build();
    private final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustAll)
            .connectTimeout(REQUEST_TIMEOUT).build();

    /** A valid request through java.net.http; the body of an error answer is cut to 300 characters. */
    CompletableFuture<Answer> send(boolean http2, String method, String url) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
                    .method(method, BodyPublishers.noBody()).build();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Answer.noAnswer(url, e));
        }
        return (http2 ? h2 : h1).sendAsync(request, BodyHandlers.ofString())
                .thenApply(HostileClients::answer)
                .exceptionally(e -> Answer.noAnswer(url, e));
    }

    CompletableFuture<Answer> get(boolean http2, String url) {
        return send(http2, "GET", url);
    }

    private static Answer answer(HttpResponse<String> r) {
        String body = r.body();
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null),
                r.statusCode() != 200 && body.length() > 300 ? body.substring(0, 300) : body);
    }

    /** {@code GET target} written on a raw socket, with an optional extra header line. */
    CompletableFuture<Answer> raw(int port, boolean tls, String target, String extraHeader) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return rawExchange(port, tls, target, extraHeader);
            } catch (Exception e) {
                return Answer.noAnswer(target, e);
            }
        }, rawPool);
    }

    private Answer rawExchange(int port, boolean tls, String target, String extraHeader) throws IOException {
        int timeout = (int) REQUEST_TIMEOUT.toMillis();
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("localhost", port), timeout);
            plain.setSoTimeout(timeout);
            try (Socket socket = tls ? trustAll.getSocketFactory().createSocket(plain, "localhost", port, true)
                    : plain) {
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                            + (extraHeader == null ? "" : extraHeader + "\r\n") + "Connection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // the adapter may answer and close before a huge request is written whole
                }
                InputStream in = socket.getInputStream();
                return parse(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
    }

    private static Answer parse(String response) {
        int headEnd = response.indexOf("\r\n\r\n");
        // Netty answers a request line it could not decode (414) as HTTP/1.0
        if (!response.matches("(?s)HTTP/1\\.[01] \\d{3}.*") || headEnd < 0) {
            return new Answer(-1, null, "not an HTTP/1.x answer: "
                    + response.substring(0, Math.min(200, response.length())));
        }
        int code = Integer.parseInt(response.substring(9, 12));
        String contentType = response.substring(0, headEnd).lines()
                .filter(l -> l.toLowerCase().startsWith("content-type:"))
                .map(l -> l.substring(13).trim()).findFirst().orElse(null);
        String body = response.substring(headEnd + 4);
        return new Answer(code, contentType, code != 200 && body.length() > 300 ? body.substring(0, 300) : body);
    }

    /** One answer, waiting at most a little longer than the request's own timeout. */
    static Answer await(CompletableFuture<Answer> answer) throws Exception {
        return answer.get(REQUEST_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
    }

    /**
     * {@code count} requests, at most 50 in flight. A request still unanswered well after its own
     * timeout is an answer with status -1, which the caller's status checks count as wrong.
     */
    static List<Answer> many(int count, IntFunction<CompletableFuture<Answer>> request) {
        List<Answer> answers = new ArrayList<>();
        for (int start = 0; start < count; start += IN_FLIGHT) {
            List<CompletableFuture<Answer>> batch = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + IN_FLIGHT); i++) {
                int n = i;
                batch.add(request.apply(i).orTimeout(REQUEST_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)
                        .exceptionally(e -> new Answer(-1, null, "request " + n + " of the batch: " + e)));
            }
            batch.forEach(f -> answers.add(f.join()));
        }
        return answers;
    }

    @Override
    public void close() {
        rawPool.shutdownNow();
    }

    /** The adapter's certificate is self-signed; no chain or host name check. */
    private static SSLContext trustAll() {
        X509ExtendedTrustManager any = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new X509ExtendedTrustManager[] {any}, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
