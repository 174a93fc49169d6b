package io.github.queuemetrics.adapter;

import io.github.queuemetrics.adapter.cli.Startup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar queue-metrics-adapter.jar --config FILE [options]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Startup.Outcome outcome = Startup.prepare(args, System.getenv(), System.out, System.err);
        if (!outcome.run()) {
            System.exit(outcome.exitCode());
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        Adapter adapter = new Adapter(outcome.options(), outcome.config());
        Runtime.getRuntime().addShutdownHook(new Thread(adapter::stop, "shutdown"));
        adapter.start().onFailure(error -> {
            log.error("startup failed: {}", error.getMessage(), error);
            // Not from this event-loop thread: System.exit runs the shutdown hook, which waits for
            // Vert.x to close, and that needs this very thread (it hung 20 s with blocked-thread traces).
            new Thread(() -> System.exit(1), "exit").start();
        });
    }
}
