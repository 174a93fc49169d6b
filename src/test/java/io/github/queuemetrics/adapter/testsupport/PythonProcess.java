package io.github.queuemetrics.adapter.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Python process of Debian's interpreter (/usr/bin/python3, where python3-celery and python3-rq
 * live; the python3 on PATH may be another one). Its output is collected so a test can wait for a
 * line ("ready.") and show the log when something goes wrong.
 */
public final class PythonProcess implements AutoCloseable {

    public static final Path PYTHON = Path.of(System.getenv().getOrDefault("QMA_PYTHON", "/usr/bin/python3"));
    /** adapter/workers, found from the Maven base directory. */
    public static final Path WORKERS = Path.of(System.getProperty("user.dir"), "adapter", "workers");

    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final String description;

    private PythonProcess(Process process, String description) {
        this.process = process;
        this.description = description;
        Thread reader = new Thread(this::pump, "py-" + description);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code /usr/bin/python3 args...} in {@code dir} with extra environment. */
    public static PythonProcess start(Path dir, Map<String, String> env, String description, String... args) {
        requireInterpreter();
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        Collections.addAll(command, args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("PYTHONUNBUFFERED", "1");
        try {
            return new PythonProcess(builder.start(), description);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    /** Runs a script to completion and returns its output lines; fails on a non-zero exit. */
    public static List<String> run(Path dir, Map<String, String> env, Duration timeout, String... args) {
        try (PythonProcess p = start(dir, env, args[0], args)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("timed out: " + String.join(" ", args) + "\n" + p.output());
            }
            p.drain();
            if (p.process.exitValue() != 0) {
                throw new IllegalStateException("exit " + p.process.exitValue() + ": " + String.join(" ", args)
                        + "\n" + p.output());
            }
            return List.copyOf(p.lines);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void requireInterpreter() {
        if (!Files.isExecutable(PYTHON)) {
            throw new IllegalStateException(PYTHON + " not found: install Debian's python3-celery and python3-rq "
                    + "(`apt-get install python3-celery python3-rq`; .ci/run does)");
        }
    }

    /** Waits until a line matching {@code ready} was printed; fails with the log on timeout or exit. */
    public void awaitLine(Predicate<String> ready, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (lines) {
                if (lines.stream().anyMatch(ready)) {
                    return;
                }
            }
            if (!process.isAlive()) {
                drain();
                throw new IllegalStateException(description + " exited with " + process.exitValue() + ":\n" + output());
            }
            sleep(50);
        }
        throw new IllegalStateException(description + " not ready after " + timeout + ":\n" + output());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** SIGTERM: a warm shutdown for Celery and RQ. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL, as when a pod is OOM-killed: the worker gets no chance to say goodbye. */
    public void kill() {
        // Take the children first: once the parent is dead they are re-parented to init and
        // descendants() no longer finds them (rq's --with-scheduler child survived that way).
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            if (!waitFor(Duration.ofSeconds(10))) {
                process.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private void drain() {
        sleep(100);
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // the process went away; what it printed is kept
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
