package io.github.queuemetrics.adapter;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undo steps registered as startup proceeds, run last-in first-out: what started last stops
 * first (servers before pollers, pollers before the broker connections they use, Vert.x last).
 *
 * <p>The whole run has a budget: Kubernetes kills the pod {@code terminationGracePeriodSeconds}
 * (30 s by default) after SIGTERM, and a broker that hangs must not make the shutdown hang with
 * it. Each step runs on its own daemon thread and is waited for only as long as the budget
 * lasts; a step that overruns is logged and left behind, and the next steps still run (a step
 * started after the budget is spent is not waited for).
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

    /**
     * Runs every step once, newest first, within {@code budget}; a failing step is logged and the
     * rest still run.
     */
    synchronized void runAll(Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        while (!steps.isEmpty()) {
            NamedStep next = steps.pop();
            Thread worker = new Thread(() -> {
                try {
                    LOG.debug("shutdown: {}", next.name());
                    next.step().run();
                } catch (InterruptedException e) {
                    LOG.warn("shutdown: {} interrupted", next.name());
                } catch (Exception e) {
                    LOG.warn("shutdown: {} failed: {}", next.name(), e.toString());
                }
            }, "shutdown: " + next.name());
            worker.setDaemon(true);
            worker.start();
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    worker.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (worker.isAlive()) {
                LOG.warn("shutdown: {} did not finish within the {} s shutdown budget; going on without it",
                        next.name(), budget.toSeconds());
            }
        }
    }
}
