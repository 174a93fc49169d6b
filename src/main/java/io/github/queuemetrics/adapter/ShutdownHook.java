package io.github.queuemetrics.adapter;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undo steps registered as startup proceeds, run last-in first-out: what started last stops
 * first (servers before pollers, pollers before the broker connections they use, Vert.x last).
 */
final class ShutdownHook {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownHook.class);

    private final Deque<NamedStep> steps = new ArrayDeque<>();

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private record NamedStep(String name, Step step) {
    }

    synchronized void push(String name, Step step) {
        steps.push(new NamedStep(name, step));
    }

    /** Runs every step once, newest first; a failing step is logged and the rest still run. */
    synchronized void runAll() {
        while (!steps.isEmpty()) {
            NamedStep next = steps.pop();
            try {
                LOG.debug("shutdown: {}", next.name());
                next.step().run();
            } catch (Exception e) {
                LOG.warn("shutdown: {} failed: {}", next.name(), e.toString());
            }
        }
    }
}
