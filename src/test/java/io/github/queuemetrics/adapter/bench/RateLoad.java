package io.github.queuemetrics.adapter.bench;

import io.github.queuemetrics.adapter.api.HttpServerLimits;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-loop (constant-rate) HTTP load generator: request i is due at {@code start + i / rate}
 * whatever happened to the earlier ones, and its latency is measured from that due time, not from
 * when it was actually sent. A server that stalls therefore shows the wait of every request that
 * was due during the stall (no coordinated omission), as wrk2 does. HTTP/1.1 keep-alive over a
 * pool of up to {@code connections} connections; HTTPS trusts any certificate (self-signed servers).
 *
 * <p>The generator's own lag (actual send time minus due time) is reported separately, so a slow
 * generator is not mistaken for a slow server.
 */
final class RateLoad implements AutoCloseable {

    /** What one run saw. Latencies in microseconds. */
    record Result(URI target, int rate, Duration duration, long sent, long ok, long errors, Histogram latency,
                  Histogram service, Histogram sendLag, String firstError) {

        double achievedRate() {
            return ok / (double) duration.toSeconds();
        }

        @Override
        public String toString() {
            return String.format("%s at %d req/s for %d s: %d ok, %d errors%s; latency p50 %.3f ms, p90 %.3f ms, "
                            + "p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; generator send lag p99 %.3f ms; "
                            + "from actual send (not corrected): p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms",
                    target, rate, duration.toSeconds(), ok, errors, firstError == null ? "" : " (first: " + firstError + ")",
                    ms(latency, 50), ms(latency, 90), ms(latency, 99), ms(latency, 99.9), latency.getMaxValue() / 1000.0,
                    ms(sendLag, 99), ms(service, 50), ms(service, 99), ms(service, 99.9));
        }

        static double ms(Histogram h, double p) {
            return h.getValueAtPercentile(p) / 1000.0;
        }
    }

    /** How long an unused pooled connection is kept: half the adapter's idle timeout. */
    static final int KEEP_ALIVE_SECONDS = HttpServerLimits.IDLE_TIMEOUT_SECONDS / 2;

    private final Vertx vertx;
    private final HttpClient client;
    private final Context context;

    RateLoad(boolean https, int connections) {
        this(https, connections, HttpVersion.HTTP_1_1);
    }

    /** With {@code HTTP_2}: negotiated by ALPN, as kube-aggregator speaks to an APIService. */
    RateLoad(boolean https, int connections, HttpVersion version) {
        // One event loop is plenty at a few thousand requests per second and leaves the other core
        // to the server under test.
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(version)
                .setUseAlpn(version == HttpVersion.HTTP_2)
                .setKeepAlive(true)
                // Well under the adapter's idle timeout: Vert.x drops an expired connection only on
                // its pool cleaner's next tick (1 s), and one the server closes as a request goes out
                // fails that request (bench/README.md, "Idle connections").
                .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
                .setHttp2KeepAliveTimeout(KEEP_ALIVE_SECONDS)
                .setSsl(https)
                .setTrustAll(true)
                .setVerifyHost(false);
        client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connections)
                .setHttp2MaxSize(connections));
        context = vertx.getOrCreateContext();
    }

    /** Sends {@code rate} requests per second to {@code target} for {@code duration}; waits for all answers. */
    Result run(URI target, int rate, Duration duration) throws InterruptedException {
        long total = rate * duration.toSeconds();
        long periodNanos = 1_000_000_000L / rate;
        Recorder latency = new Recorder(3);
        Recorder service = new Recorder(3);
        Histogram sendLag = new Histogram(3);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String[] firstError = new String[1];
        CountDownLatch done = new CountDownLatch((int) total);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target.toString());
        long start = System.nanoTime() + 50_000_000L;
        for (long i = 0; i < total; i++) {
            long due = start + i * periodNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            long sent = System.nanoTime();
            sendLag.recordValue(Math.max(0, (sent - due) / 1000));
            context.runOnContext(v -> client.request(request)
                    .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp.statusCode())))
                    .onComplete(ar -> {
                        long end = System.nanoTime();
                        latency.recordValue(Math.max(0, (end - due) / 1000));
                        service.recordValue(Math.max(0, (end - sent) / 1000));
                        if (ar.succeeded() && ar.result() == 200) {
                            ok.incrementAndGet();
                        } else {
                            if (errors.incrementAndGet() == 1) {
                                firstError[0] = ar.succeeded() ? "status " + ar.result() : String.valueOf(ar.cause());
                            }
                        }
                        done.countDown();
                    }));
        }
        if (!done.await(30, TimeUnit.SECONDS)) {
            errors.addAndGet(done.getCount());
        }
        return new Result(target, rate, duration, total, ok.get(), errors.get(), latency.getIntervalHistogram(),
                service.getIntervalHistogram(), sendLag, firstError[0]);
    }

    @Override
    public void close() throws Exception {
        client.close().await(5, TimeUnit.SECONDS);
        vertx.close().await(5, TimeUnit.SECONDS);
    }
}
