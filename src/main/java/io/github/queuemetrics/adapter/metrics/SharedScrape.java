package io.github.queuemetrics.adapter.metrics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.function.Supplier;

/**
 * One {@code /metrics} rendering at a time, shared by every scrape that arrives while it runs.
 * A rendering with thousands of queues is megabytes built on a worker thread; without this, a
 * burst of concurrent scrapes (a misconfigured scraper, an attacker) built one copy each, with no
 * limit on threads or memory. Scrapes that arrive after a rendering finished start a new one, so
 * no scrape gets values older than its own arrival. The rendered bytes are one buffer whose
 * memory every response shares.
 */
public final class SharedScrape {

    private final Vertx vertx;
    private final Supplier<String> render;
    private Future<Buffer> inFlight;

    public SharedScrape(Vertx vertx, Supplier<String> render) {
        this.vertx = vertx;
        this.render = render;
    }

    /** The rendering in progress, or a new one on a worker thread. */
    public synchronized Future<Buffer> get() {
        if (inFlight == null) {
            Future<Buffer> rendering = vertx.executeBlocking(() -> Buffer.buffer(render.get()), false);
            inFlight = rendering;
            rendering.onComplete(ar -> finished(rendering));
        }
        return inFlight;
    }

    private synchronized void finished(Future<Buffer> rendering) {
        if (inFlight == rendering) {
            inFlight = null;
        }
    }
}
