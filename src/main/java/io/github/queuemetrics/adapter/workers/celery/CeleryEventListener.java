package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Receives Celery events one at a time, already decoded: a batched {@code task.multi} array
 * arrives as its elements, in order. Called on the stream's consumer thread; an implementation
 * must be quick and must not block (it delays every later event).
 */
@FunctionalInterface
public interface CeleryEventListener {

    /** One event, e.g. {@code {"type":"worker-heartbeat","hostname":"celery@w1",...}}. */
    void onEvent(ObjectNode event);
}
