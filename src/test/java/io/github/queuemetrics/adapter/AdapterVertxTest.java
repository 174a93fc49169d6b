package io.github.queuemetrics.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.metrics.SharedScrape;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdapterVertxTest {

    private final Vertx vertx = Vertx.vertx(Adapter.vertxOptions());

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void scrapesOneAfterAnotherReuseAFewWorkerThreads() throws Exception {
        // Vert.x's default worker pool starts a thread per task until it holds 20: twenty scrapes
        // (100 s of Prometheus at 5 s) left twenty idle threads, each with its stack and buffers.
        Set<String> threads = ConcurrentHashMap.newKeySet();
        SharedScrape scrape = new SharedScrape(vertx, () -> {
            threads.add(Thread.currentThread().getName());
            return "queue_outstanding 1\n";
        });
        for (int i = 0; i < 20; i++) {
            scrape.get().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertThat(threads).hasSizeBetween(1, Adapter.WORKER_THREADS);
    }
}
