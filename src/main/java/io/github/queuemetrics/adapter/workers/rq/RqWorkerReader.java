package io.github.queuemetrics.adapter.workers.rq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.TreeSet;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * Reads the RQ worker registry of one Redis database: {@code SMEMBERS rq:workers}, and for every
 * worker {@code HGETALL rq:worker:<name>}, {@code PTTL} of that key and {@code SMEMBERS
 * rq:worker:<name>:executions} (rq master), all in one pipeline.
 *
 * <p>A pipeline cannot use the answer of its own SMEMBERS, so the hashes it reads are those of the
 * workers known from earlier polls; a worker that appeared since costs one more pipeline, once.
 * In steady state a poll is exactly one round trip.
 *
 * <p>Workers that left {@code rq:workers} are kept in the read set for {@code forgetAfter}, so a
 * warm shutdown shows as "gone: exited at ..." (RQ keeps the hash 60 s with {@code death}) and a
 * vanished worker as "gone" rather than as an unknown name.
 *
 * <p>Blocking (jedis); call from the worker pool, one poll at a time (the poller guarantees it).
 * Throws on Redis errors: a failed read never turns into "no workers".
 */
public final class RqWorkerReader {

    public static final String WORKERS_KEY = "rq:workers";
    public static final String SUSPENDED_KEY = "rq:suspended";
    public static final Duration DEFAULT_FORGET_AFTER = Duration.ofMinutes(10);

    /** A new pipeline on the connection (which may reconnect between reads). */
    private final Supplier<AbstractPipeline> pipelines;
    private final Clock clock;
    private final Duration forgetAfter;
    /** name -> last time it was seen in rq:workers. Only touched by the polling thread. */
    private final Map<String, Instant> known = new LinkedHashMap<>();

    public RqWorkerReader(UnifiedJedis redis) {
        this(redis, Clock.systemUTC(), DEFAULT_FORGET_AFTER);
    }

    public RqWorkerReader(UnifiedJedis redis, Clock clock, Duration forgetAfter) {
        this(Objects.requireNonNull(redis, "redis")::pipelined, clock, forgetAfter);
    }

    RqWorkerReader(Supplier<AbstractPipeline> pipelines, Clock clock, Duration forgetAfter) {
        this.pipelines = pipelines;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.forgetAfter = Objects.requireNonNull(forgetAfter, "forgetAfter");
    }

    /** One read of every worker. */
    public RqWorkerPoll read() {
        List<String> knownNames = List.copyOf(known.keySet());
        Set<String> registered;
        boolean suspended;
        Map<String, WorkerReplies> replies = new LinkedHashMap<>();
        try (AbstractPipeline p = pipelines.get()) {
            Response<Set<String>> members = p.smembers(WORKERS_KEY);
            Response<Boolean> suspendedKey = p.exists(SUSPENDED_KEY);
            for (String name : knownNames) {
                replies.put(name, WorkerReplies.queue(p, name));
            }
            p.sync();
            registered = namesOf(members.get());
            suspended = Boolean.TRUE.equals(suspendedKey.get());
        }
        List<String> newcomers = registered.stream().filter(n -> !replies.containsKey(n)).toList();
        if (!newcomers.isEmpty()) {
            try (AbstractPipeline p = pipelines.get()) {
                for (String name : newcomers) {
                    replies.put(name, WorkerReplies.queue(p, name));
                }
                p.sync();
            }
        }
        Instant readAt = clock.instant();

        List<RqWorkerInfo> workers = new ArrayList<>();
        for (Map.Entry<String, WorkerReplies> e : replies.entrySet()) {
            String name = e.getKey();
            boolean isRegistered = registered.contains(name);
            if (isRegistered) {
                known.put(name, readAt);
            }
            workers.add(e.getValue().toInfo(name, isRegistered, readAt));
        }
        forgetOld(readAt, registered);
        workers.sort((a, b) -> a.name().compareTo(b.name()));
        return new RqWorkerPoll(readAt, suspended, workers);
    }

    /** Names kept in the read set (for tests and diagnostics). */
    Set<String> knownNames() {
        return Set.copyOf(known.keySet());
    }

    /** Drops workers that have been out of rq:workers for longer than forgetAfter. */
    private void forgetOld(Instant now, Set<String> registered) {
        known.entrySet().removeIf(e -> !registered.contains(e.getKey()) && e.getValue().plus(forgetAfter).isBefore(now));
    }

    private static Set<String> namesOf(Collection<String> keys) {
        Set<String> names = new TreeSet<>();
        for (String key : keys) {
            names.add(key.startsWith(RqWorkerInfo.KEY_PREFIX) ? key.substring(RqWorkerInfo.KEY_PREFIX.length()) : key);
        }
        return names;
    }

    /** The three replies queued for one worker. */
    private record WorkerReplies(Response<Map<String, String>> hash, Response<Long> pttl,
            Response<Set<String>> executions) {

        static WorkerReplies queue(AbstractPipeline p, String name) {
            String key = RqWorkerInfo.KEY_PREFIX + name;
            return new WorkerReplies(p.hgetAll(key), p.pttl(key), p.smembers(key + ":executions"));
        }

        RqWorkerInfo toInfo(String name, boolean registered, Instant readAt) {
            return RqWorkerInfo.fromRedis(name, registered, hash.get(), pttl.get(), executions.get(), readAt);
        }
    }
}
