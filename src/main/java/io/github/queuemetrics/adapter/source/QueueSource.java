package io.github.queuemetrics.adapter.source;

import io.github.queuemetrics.adapter.model.SourceSnapshot;

/**
 * Where metrics come from: one implementation per broker layout (RabbitMQ, Celery on Redis, RQ).
 *
 * <p>Implementations use blocking clients (amqp-client, jedis, HTTP) and know nothing of Vert.x:
 * the {@link io.github.queuemetrics.adapter.poll.SourcePoller} calls {@link #poll()} on a named
 * worker pool, never on an event loop, and never concurrently with itself for one source.
 *
 * <p>{@link #poll()} either returns a complete snapshot or throws. It must never turn a broker it
 * cannot reach into zeros: a partial answer would make an HPA scale workers down. A queue that the
 * broker simply does not have (yet) is 0, not an error. After a failure the next {@code poll()}
 * reconnects by itself.
 */
public interface QueueSource extends AutoCloseable {

    /** The configured source name; it becomes the {@code source} label. */
    String name();

    /** One poll of the broker: blocking, on the worker pool. */
    SourceSnapshot poll() throws Exception;

    /** Releases connections. Must not throw for a source that never connected. */
    @Override
    void close();
}
