package io.github.queuemetrics.adapter.e2e;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Calls the adapter's HTTPS API the way the HPA controller does: the protobuf-first Accept header
 * of client-go, the selector encoded like Go's url.Values.Encode, over HTTP/2 or HTTP/1.1. The
 * adapter's certificate is self-signed, so this client trusts any certificate.
 */
final class MetricsApi {

    static final String HPA_ACCEPT = "application/vnd.kubernetes.protobuf, */*";
    static final String HPA_USER_AGENT = "kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/9edcffc"
            + "/system:serviceaccount:kube-system:horizontal-pod-autoscaler";

    /** One HTTP answer. */
    record Answer(int status, HttpClient.Version version, String contentType, String body) {
        @Override
        public String toString() {
            return status + " " + version + " " + contentType + " " + body;
        }
    }

    private final String base;
    private final HttpClient client;
    private final HttpClient.Version version;

    MetricsApi(int securePort, HttpClient.Version version) {
        this.base = "https://localhost:" + securePort;
        this.version = version;
        this.client = HttpClient.newBuilder().version(version).sslContext(trustAll())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpClient.Version version() {
        return version;
    }

    /** GET .../namespaces/{ns}/{metric}[?labelSelector=...] (selector null: none). */
    Answer metric(String namespace, String metric, String selector) {
        String path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/" + namespace + "/" + metric
                + (selector == null ? "" : "?" + GoQuery.encode(Map.of("labelSelector", selector)));
        return get(path);
    }

    /** The items of a 200 answer, decoded strictly; fails with the answer otherwise. */
    List<Wire.Item> items(String namespace, String metric, String selector) {
        Answer answer = metric(namespace, metric, selector);
        if (answer.status() != 200) {
            throw new AssertionError("expected 200 for " + metric + " " + selector + ", got " + answer);
        }
        if (answer.version() != version) {
            throw new AssertionError("asked for " + version + ", served over " + answer.version());
        }
        if (answer.contentType() == null || !answer.contentType().startsWith("application/json")) {
            throw new AssertionError("not JSON: " + answer);
        }
        return Wire.items(answer.body());
    }

    /**
     * Polls until every item was measured after {@code after} (timestamps are whole seconds, so a
     * timestamp later than {@code after} means the poll started after it) and returns them.
     */
    List<Wire.Item> itemsNewerThan(String namespace, String metric, String selector, Instant after) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Wire.Item> items;
        do {
            items = items(namespace, metric, selector);
            if (!items.isEmpty() && items.stream().allMatch(i -> i.timestamp().isAfter(after))) {
                return items;
            }
            sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no answer measured after " + after + " within 10 s: " + items);
    }

    Answer get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", HPA_ACCEPT)
                .header("User-Agent", HPA_USER_AGENT)
                .timeout(Duration.ofSeconds(10))
                .GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.version(),
                    response.headers().firstValue("Content-Type").orElse(null), response.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Plain HTTP GET on the management port. */
    static Answer management(int port, String path) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.version(),
                    response.headers().firstValue("Content-Type").orElse(null), response.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Trusts every certificate and skips host name checks (an X509ExtendedTrustManager is not wrapped). */
    static SSLContext trustAll() {
        TrustManager trustAll = new X509ExtendedTrustManager() {
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
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
