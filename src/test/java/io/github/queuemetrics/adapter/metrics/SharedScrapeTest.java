package io.github.queuemetrics.adapter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SharedScrapeTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void concurrentScrapesShareOneRenderingAndALaterOneRendersAgain() throws Exception {
        AtomicInteger renderings = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        SharedScrape scrape = new SharedScrape(vertx, () -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return "rendering " + renderings.incrementAndGet() + "\n";
        });

        List<Future<Buffer>> scrapes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            scrapes.add(scrape.get());
        }
        release.countDown();
        for (Future<Buffer> f : scrapes) {
            assertThat(f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).toString())
                    .isEqualTo("rendering 1\n");
        }
        assertThat(renderings).hasValue(1);
        assertThat(mostAtOnce).hasValue(1);

        // after the rendering finished, a new scrape sees new values
        assertThat(scrape.get().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).toString())
                .isEqualTo("rendering 2\n");
    }
}
