package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a review's broker round trips off its answer where that is safe. Asking the workers what
 * they run takes several remote-control round trips, each waking every worker of the broker (a
 * fanout), while the API server waits for the answer. The HPA asks the same question again every
 * sync period (15 s) while a drain lasts, so each review starts a check in the background and
 * answers from it if it ends within {@link #quick}. Otherwise an earlier check answers at once
 * when it is recent enough, its caller's guard still holds (the drain it observed is still in
 * place, the worker has not restarted) and it <i>settles</i> the answer: it would allow (a drained
 * worker takes no new task, so one idle after its drain stays idle). One that would deny waits up
 * to {@link #patient} for this review's own check, so a denial is never a sync period late; so
 * does a review with no usable earlier check, which then fails (the hook fails open). One check per
 * key runs at a time; a review that finds one in flight waits for that one.
 */
public final class WorkerChecks {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerChecks.class);
    /** How long a review waits for its own check when an earlier one may serve: inside the 50 ms a review aims for. */
    static final Duration QUICK = Duration.ofMillis(20);
    /** How long it waits when none may: what the answer's 900 ms leave after the Kubernetes reads. */
    static final Duration PATIENT = Duration.ofMillis(600);
    /**
     * A check this young that still holds serves without a new one. Each check wakes every worker
     * of the broker several times; an HPA asks once per 15 s, but retries, dry runs, several
     * adapter replicas or a flapping autoscaler must not multiply that.
     */
    static final Duration REUSE_WITHIN = Duration.ofSeconds(2);

    /**
     * What one check found.
     *
     * @param loads by worker (or pod, as the caller keys them); absent: did not answer
     * @param facts what the caller needs to tell later whether the check still holds
     * @param at    when the check ended
     */
    record Check(Map<String, WorkerLoad> loads, Map<String, String> facts, Instant at) {
        Check {
            loads = Map.copyOf(loads);
            facts = Map.copyOf(facts);
        }

        Duration age(Instant now) {
            return Duration.between(at, now);
        }
    }

    /** How long a review waits for its own check when an earlier one may serve. */
    private final Duration quick;
    /** How long it waits when none may. */
    private final Duration patient;
    /** The oldest check that may serve. */
    private final Duration maxAge;
    /** A usable check younger than this serves without a new one. */
    private final Duration reuseWithin;
    private final Executor background;
    private final Clock clock;
    private final Map<String, CompletableFuture<Check>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Check> last = new ConcurrentHashMap<>();

    WorkerChecks(Duration quick, Duration patient, Duration maxAge, Duration reuseWithin, Executor background,
                 Clock clock) {
        this.quick = quick;
        this.patient = patient;
        this.maxAge = maxAge;
        this.reuseWithin = reuseWithin;
        this.background = background;
        this.clock = clock;
    }

    /** With the review's waits, the oldest check allowed by {@code undoAfter}, and {@link #REUSE_WITHIN}. */
    public static WorkerChecks forReviews(Duration undoAfter, Executor background, Clock clock) {
        return new WorkerChecks(QUICK, PATIENT, maxAge(undoAfter), REUSE_WITHIN, background, clock);
    }

    /**
     * The oldest check that may serve: 30 s (two HPA sync periods), and less than half of undoAfter,
     * so a check never outlives the drain it saw (the undo sweep leaves a drain alone while reviews
     * ask for it within undoAfter).
     */
    static Duration maxAge(Duration undoAfter) {
        Duration half = undoAfter.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(30)) < 0 ? half : Duration.ofSeconds(30);
    }

    /**
     * The freshest usable check for {@code key}: this review's, if it ends in time, else the last
     * one that is younger than maxAge and satisfies {@code stillHolds}.
     *
     * @param settles whether such an earlier check may answer without waiting for this review's own
     *                (it would allow); one that does not waits up to {@link #patient}
     * @throws IllegalStateException when the workers did not answer within {@link #patient} and no
     *                               earlier check serves; the check goes on and is kept
     */
    Check get(String key, Supplier<Check> check, Predicate<Check> stillHolds, Predicate<Check> settles) {
        return get(key, check, stillHolds, settles, quick);
    }

    /**
     * For what only steers a choice (a Deployment's deletion costs): an earlier check younger than
     * maxAge serves at once, and this review's check refreshes it for the next one; with none, as
     * {@link #get}.
     */
    Check advisory(String key, Supplier<Check> check) {
        return get(key, check, previous -> true, previous -> true, Duration.ZERO);
    }

    private Check get(String key, Supplier<Check> check, Predicate<Check> stillHolds, Predicate<Check> settles,
                      Duration quickWait) {
        Instant now = clock.instant();
        Check previous = last.get(key);
        boolean usable = previous != null && previous.age(now).compareTo(maxAge) <= 0 && stillHolds.test(previous);
        if (usable && previous.age(now).compareTo(reuseWithin) < 0) {
            return previous;
        }
        CompletableFuture<Check> mine = new CompletableFuture<>();
        CompletableFuture<Check> running = inFlight.putIfAbsent(key, mine);
        if (running == null) {
            running = mine;
            start(key, check, mine);
        }
        Duration wait = usable && settles.test(previous) ? quickWait : patient;
        try {
            return running.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (usable) {
                return previous;
            }
            throw new IllegalStateException("the workers did not answer within " + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the workers", e);
        }
    }

    /** Drops what was kept for keys starting with {@code prefix} (a scale-up undid their drains). */
    void forget(String prefix) {
        last.keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** Runs {@code check} in the background (in place, with a direct executor), completing {@code future}. */
    private void start(String key, Supplier<Check> check, CompletableFuture<Check> future) {
        try {
            background.execute(() -> {
                // Out of inFlight before completing: a review that comes after the end starts its own.
                try {
                    Check done = check.get();
                    last.put(key, done);
                    inFlight.remove(key, future);
                    future.complete(done);
                } catch (RuntimeException | Error e) {
                    LOG.debug("{}: asking the workers failed: {}", key, e.toString());
                    inFlight.remove(key, future);
                    future.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            inFlight.remove(key, future);
            future.completeExceptionally(e);
        }
    }
}
