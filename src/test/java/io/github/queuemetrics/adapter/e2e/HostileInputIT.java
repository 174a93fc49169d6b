package io.github.queuemetrics.adapter.e2e;


import static io.github.queuemetrics.adapter.e2e.HostileClients.await;
import static io.github.queuemetrics.adapter.e2e.HostileClients.many;

import io.github.queuemetrics.adapter.api.HttpServerLimits;
import io.github.queuemetrics.adapter.e2e.HostileClients.Answer;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unauthenticated caller tries to exhaust the packaged adapter ({@code java -jar}, with the
 * Deployment's JVM flags in its 384 MiB container): thousands of distinct big selectors, invented
 * HTTP methods, many concurrent scrapes, malformed percent-encodings, huge URLs and headers, idle
 * connections. The adapter must stay up, keep its memory and its /metrics series bounded, answer
 * every error as a Status, log no stack traces, and close idle connections.
 */
class HostileInputIT {

    /**
     * The Deployment's memory limit. The JVM flags below give the heap a quarter of it (96 MiB),
     * as in the container; the rest is metaspace, code, thread stacks and Netty's buffers. The
     * adapter idles at roughly 150-200 MiB resident with these flags; above the limit the kubelet
     * would OOM-kill it. An unbounded selector cache (300 MB of parsed requirements for 1,024
     * selectors of this test's kind) cannot fit: the JVM exits on OutOfMemoryError.
     */
    private static final long MEMORY_LIMIT_KIB = 384 * 1024;
    private static final List<String> CONTAINER_JVM_FLAGS = List.of("-XX:MaxRAM=384m", "-XX:+UseSerialGC",
            "-XX:MaxRAMPercentage=25", "-Xss512k", "-XX:ReservedCodeCacheSize=32m", "-XX:+ExitOnOutOfMemoryError");
    private static final String METRIC_PATH = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_outstanding";
    private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
            "OPTIONS", "CONNECT", "TRACE", "other");
    /** Idle timeout of both ports (HttpServerLimits) plus a margin for a loaded machine. */
    private static final Duration IDLE_CLOSED_WITHIN = Duration.ofSeconds(HttpServerLimits.IDLE_TIMEOUT_SECONDS + 20);

    @TempDir
    static Path dir;

    private static final boolean H1 = false;
    private static final boolean H2 = true;
    private static final boolean PLAIN = false;
    private static final boolean TLS = true;

    @Test
    void staysUpWithBoundedMemorySeriesAndLogUnderHostileRequests() throws Exception {
        Path config = Files.writeString(dir.resolve("hostile.yaml"), """
                pollInterval: 1s
                sources:
                  - name: rq
                    type: rq
                    uri: %s
                    queues: [h6-http-hostile]
                """.formatted(Brokers.redisUri(11)));
        // every check is reported, not only the first that fails
        SoftAssertions softly = new SoftAssertions();
        try (JarProcess jar = JarProcess.start(config, CONTAINER_JVM_FLAGS, dir);
                HostileClients clients = new HostileClients()) {
            String secure = "https://localhost:" + jar.securePort;
            String management = "http://localhost:" + jar.managementPort;
            String ready = secure + METRIC_PATH + "?labelSelector=source%3Drq";

            List<Socket> idle = openIdleConnections(jar);
            long idleSince = System.nanoTime();
            softly.assertThat(await(clients.get(H2, ready)).status()).isEqualTo(200);
            int seriesBefore = httpRequestSeries(softly, await(clients.get(H1, management + "/metrics")).body()).size();
            long rssBefore = jar.residentKib();

            // 1. thousands of distinct selectors: too long (400), too many requirements (400), and
            // big valid ones (404: no such queue) that the cache may keep within its size bound
            String selector = secure + METRIC_PATH + "?labelSelector=";
            List<Answer> selectors = new ArrayList<>();
            selectors.addAll(many(2_000, i -> clients.get(H2, selector + "k" + i + ",a".repeat(3_500))));
            selectors.addAll(many(2_000, i -> clients.get(H2, selector + "k" + i + ",a".repeat(2_000))));
            selectors.addAll(many(2_000, i -> clients.get(H2, selector + "queue+in+(" + values(i) + "),source=rq")));
            expectStatus(softly, "selectors", selectors, 400, 404);
            expectStatus(softly, "selectors over the limits", selectors.subList(0, 4_000), 400);

            // 2. invented methods on both ports
            List<Answer> methods = new ArrayList<>();
            methods.addAll(many(300, i -> clients.send(H1, "INVENTED" + i, secure + "/apis")));
            methods.addAll(many(300, i -> clients.send(H1, "MADEUP" + i, management + "/metrics")));
            // the management port's answers are plain text; only the code matters there
            softly.assertThat(methods.subList(300, 600).stream().filter(a -> a.status() != 405).toList())
                    .as("invented methods on the management port not answered 405").isEmpty();
            expectStatus(softly, "invented methods on the secure port", methods.subList(0, 300), 405);

            // 3. malformed percent-encodings in path and query, both ports, HTTP/1.1 on raw sockets
            // (java.net.http refuses such URIs). HTTP/2 is left to HttpErrorShapesTest, whose
            // malformedPercentEncodingIn{Query,Path}Is400Status run over HTTP/2 as well.
            String[] bad = {METRIC_PATH + "?labelSelector=%zz", METRIC_PATH + "?labelSelector=queue%3Da%",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/%zz/queue_outstanding", "/apis/%G1", "/metrics?x=%"};
            List<Answer> percent = new ArrayList<>();
            percent.addAll(many(200, i -> clients.raw(jar.securePort, TLS, bad[i % bad.length], null)));
            percent.addAll(many(200, i -> clients.raw(jar.managementPort, PLAIN, bad[i % bad.length], null)));
            expectStatus(softly, "malformed percent-encodings", percent, 400);

            // 4. huge URLs and headers (HTTP/1.1 on raw sockets: each answer closes its connection)
            List<Answer> huge = new ArrayList<>();
            huge.addAll(many(100, i -> clients.raw(jar.securePort, TLS,
                    METRIC_PATH + "?labelSelector=" + "x".repeat(20_000) + i, null)));
            huge.addAll(many(100, i -> clients.raw(jar.managementPort, PLAIN, "/metrics?" + "x".repeat(20_000) + i,
                    null)));
            expectStatus(softly, "huge URLs", huge, 414);
            List<Answer> headers = new ArrayList<>();
            headers.addAll(many(100, i -> clients.raw(jar.securePort, TLS, "/apis", "X-Big: " + "y".repeat(20_000) + i)));
            headers.addAll(many(100, i -> clients.raw(jar.managementPort, PLAIN, "/metrics",
                    "X-Big: " + "y".repeat(20_000) + i)));
            expectStatus(softly, "huge headers", headers, 431);

            // 5. many concurrent scrapes
            List<Answer> scrapes = many(500, i -> clients.get(H1, management + "/metrics"));
            softly.assertThat(scrapes.stream().filter(a -> a.status() != 200).toList()).as("failed scrapes").isEmpty();

            boolean alive = jar.process.isAlive();
            long rssAfter = alive ? jar.residentKib() : Long.MAX_VALUE;
            System.out.printf("resident memory: %d MiB before, %d MiB after the hostile requests%n",
                    rssBefore / 1024, rssAfter / 1024);
            String output = jar.output();
            softly.assertThat(alive).as("the adapter is still running; its log ends with:\n"
                    + output.substring(Math.max(0, output.length() - 2_000))).isTrue();
            softly.assertThat(rssAfter).as("resident KiB").isLessThan(MEMORY_LIMIT_KIB);
            softly.assertThat(await(clients.get(H2, ready)).status()).isEqualTo(200);
            softly.assertThat(await(clients.get(H1, management + "/readyz")).status()).isEqualTo(200);

            Set<String> series = httpRequestSeries(softly, await(clients.get(H1, management + "/metrics")).body());
            softly.assertThat(methodLabels(series)).isSubsetOf(STANDARD_METHODS);
            // new series only for the few (route, standard method or "other", status) combinations
            // this test's errors add, never one per invented method or per URL
            softly.assertThat(series.size()).as(String.join("\n", series)).isLessThan(seriesBefore + 40);

            List<String> badLines = output.lines()
                    .filter(l -> l.startsWith("\tat ") || l.contains("Exception") || l.contains(" ERROR ")).toList();
            softly.assertThat(badLines.size()).as("log lines of a stack trace, an exception or an ERROR; the first: %s",
                    badLines.subList(0, Math.min(5, badLines.size()))).isZero();

            assertIdleConnectionsClosed(softly, idle, idleSince);
            softly.assertAll();
        }
    }

    /** 281 distinct set values: a selector of about 1,200 characters, different for each i. */
    private static String values(int i) {
        StringBuilder sb = new StringBuilder("s" + i);
        for (int j = 0; j < 280; j++) {
            sb.append(",q").append(j);
        }
        return sb.toString();
    }

    /** Every answer is a Status JSON with one of {@code codes}; one failure names the count and an example. */
    private static void expectStatus(SoftAssertions softly, String what, List<Answer> answers, int... codes) {
        List<Answer> wrong = answers.stream().filter(a -> !isStatus(a, codes)).toList();
        softly.assertThat(wrong.size()).as("%s: answers of %d that are not a Status JSON with code %s; the first: %s",
                what, answers.size(), java.util.Arrays.toString(codes), wrong.isEmpty() ? "-" : wrong.get(0)).isZero();
    }

    private static boolean isStatus(Answer answer, int... codes) {
        return java.util.Arrays.stream(codes).anyMatch(c -> c == answer.status())
                && "application/json".equals(answer.contentType()) && answer.body().startsWith("{\"kind\":\"Status\"");
    }

    private static final Pattern HTTP_SERIES = Pattern.compile("^(adapter_http_requests_seconds_count\\{[^}]*})",
            Pattern.MULTILINE);

    private static Set<String> httpRequestSeries(SoftAssertions softly, String scrape) {
        Set<String> series = new TreeSet<>();
        Matcher m = HTTP_SERIES.matcher(scrape);
        while (m.find()) {
            series.add(m.group(1));
        }
        softly.assertThat(series).as("adapter_http_requests_seconds_count in\n" + scrape).isNotEmpty();
        return series;
    }

    private static Set<String> methodLabels(Set<String> series) {
        Set<String> methods = new TreeSet<>();
        Pattern method = Pattern.compile("method=\"([^\"]*)\"");
        for (String s : series) {
            Matcher m = method.matcher(s);
            if (m.find()) {
                methods.add(m.group(1));
            }
        }
        return methods;
    }

    private static List<Socket> openIdleConnections(JarProcess jar) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sockets.add(new Socket("localhost", jar.securePort));
            sockets.add(new Socket("localhost", jar.managementPort));
        }
        return sockets;
    }

    /** Each idle connection is closed by the adapter: a read ends (EOF or reset) rather than timing out. */
    private static void assertIdleConnectionsClosed(SoftAssertions softly, List<Socket> sockets, long idleSince)
            throws Exception {
        long deadline = idleSince + IDLE_CLOSED_WITHIN.toNanos();
        List<String> open = Collections.synchronizedList(new ArrayList<>());
        for (Socket socket : sockets) {
            try (socket) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                InputStream in = socket.getInputStream();
                while (in.read() >= 0) {
                    // a TLS alert or an HTTP answer may come first; the connection must end
                }
            } catch (SocketTimeoutException e) {
                open.add("port " + socket.getPort() + " still open after " + IDLE_CLOSED_WITHIN.toSeconds() + " s");
            } catch (IOException closed) {
                // reset by the adapter: closed
            }
        }
        softly.assertThat(open).as("idle connections").isEmpty();
    }
}
