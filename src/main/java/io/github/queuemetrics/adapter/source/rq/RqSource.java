package io.github.queuemetrics.adapter.source.rq;

import io.github.queuemetrics.adapter.redis.RedisConnection;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Queue metrics of RQ (python-rq 1.x and 2.x) read from its Redis keys.
 *
 * <p>Per queue: {@code queue_ready} (the queue list), {@code queue_unacked} (taken by a worker,
 * not started; only RQ >= 1.16, otherwise 0: RQ has no prefetch), {@code queue_running}
 * (distinct live jobs of the StartedJobRegistry), {@code queue_outstanding} (their sum, each job
 * once: see {@link RqQueueProbe}), {@code queue_oldest_age_seconds}, and the completion and
 * arrival rates over the last minute (see {@link RqQueueFlow}; absent until two polls are known).
 * Scheduled and deferred jobs are not outstanding: they cannot run yet, so they must not scale
 * workers up.
 *
 * <p>Cost: one pipelined round trip for the counts of every queue, a second one for the head
 * jobs' timestamps (and the rare intermediate entries), plus one SMEMBERS before them with
 * {@code queuePattern}. A queue costs 8 commands in the first round and at most a few in the second.
 */
public final class RqSource implements QueueSource {

    private static final Logger LOG = LoggerFactory.getLogger(RqSource.class);
    static final Duration RATE_WINDOW = Duration.ofSeconds(60);
    private static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final SourceConfig config;
    private final Clock clock;
    private final RedisConnection connection;
    private final RqCompletionHorizon horizon;
    private final Map<String, RqQueueFlow> flows = new HashMap<>();
    /** The last age problem logged per queue, so that one bad head job is logged once, not every poll. */
    private final Map<String, String> ageProblems = new HashMap<>();

    /** A source reading the RQ layout at {@code config.uri()}. Does not connect yet. */
    public RqSource(SourceConfig config) {
        this(config, Clock.systemUTC());
    }

    /** As {@link #RqSource(SourceConfig)} with the clock that times polls (tests). */
    public RqSource(SourceConfig config, Clock clock) {
        if (config.type() != SourceType.RQ) {
            throw new IllegalArgumentException("source " + config.name() + " is " + config.type().configName() + ", not rq");
        }
        if (config.uri() == null) {
            throw new IllegalArgumentException("source " + config.name() + ": uri is required");
        }
        this.config = config;
        this.clock = clock;
        this.connection = new RedisConnection(RedisEndpoint.forSource(config, "qma-" + config.name()),
                CONNECT_TIMEOUT, READ_TIMEOUT);
        this.horizon = new RqCompletionHorizon(config.pollInterval() == null ? DEFAULT_POLL_INTERVAL : config.pollInterval());
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public SourceSnapshot poll() throws IOException {
        try {
            return pollOnce(connection.get());
        } catch (RuntimeException e) {
            // JedisException for network, auth and WRONGTYPE replies (someone else's key under an
            // RQ name); anything else also leaves the connection in an unknown state: drop it
            connection.discard();
            throw new IOException("rq source " + config.name() + ": cannot read " + connection.description() + ": "
                    + Secrets.redact(String.valueOf(e.getMessage())), e);
        }
    }

    private SourceSnapshot pollOnce(Jedis jedis) {
        List<String> queues = queues(jedis);
        Instant now = clock.instant();
        double nowSeconds = now.toEpochMilli() / 1000.0;
        OptionalDouble oldHorizon = horizon.previous(nowSeconds);
        double newHorizon = horizon.next(nowSeconds);

        List<RqQueueProbe> probes = new ArrayList<>(queues.size());
        Pipeline counts = jedis.pipelined();
        for (String queue : queues) {
            RqQueueProbe probe = new RqQueueProbe(queue);
            probe.requestCounts(counts, score(nowSeconds),
                    oldHorizon.isPresent() ? score(oldHorizon.getAsDouble()) : null, score(newHorizon));
            probes.add(probe);
        }
        counts.sync();

        Pipeline details = jedis.pipelined();
        boolean any = false;
        for (RqQueueProbe probe : probes) {
            any |= probe.requestDetails(details);
        }
        if (any) {
            details.sync();
        }

        List<QueueSample> samples = new ArrayList<>(probes.size());
        Map<String, RqQueueFlow> live = new HashMap<>();
        for (RqQueueProbe probe : probes) {
            RqQueueCounts c = probe.result(now);
            RqQueueFlow flow = flows.computeIfAbsent(probe.queue(), q -> new RqQueueFlow(RATE_WINDOW));
            flow.update(now, c.atOldHorizon(), c.atNewHorizon(), c.outstanding());
            live.put(probe.queue(), flow);
            noteAgeProblem(probe.queue(), probe.ageProblem());
            samples.add(sample(probe.queue(), c, flow));
        }
        // queues no longer matched by the pattern: forget them, so their history cannot leak into a
        // later rate and memory stays bounded
        flows.keySet().retainAll(live.keySet());
        ageProblems.keySet().retainAll(live.keySet());
        horizon.advanceTo(newHorizon);
        return new SourceSnapshot(config.name(), now, samples);
    }

    private QueueSample sample(String queue, RqQueueCounts c, RqQueueFlow flow) {
        QueueSample.Builder b = QueueSample.builder(config.name(), queue)
                .value(QueueMetric.READY, c.ready())
                .value(QueueMetric.UNACKED, c.unacked())
                .value(QueueMetric.RUNNING, c.running())
                .value(QueueMetric.OUTSTANDING, c.outstanding());
        c.oldestAgeSeconds().ifPresent(v -> b.value(QueueMetric.OLDEST_AGE_SECONDS, v));
        flow.completionRate().ifPresent(v -> b.value(QueueMetric.COMPLETION_RATE, v));
        flow.arrivalRate().ifPresent(v -> b.value(QueueMetric.ARRIVAL_RATE, v));
        return b.build();
    }

    private void noteAgeProblem(String queue, String problem) {
        if (problem == null) {
            ageProblems.remove(queue);
        } else if (!problem.equals(ageProblems.put(queue, problem))) {
            LOG.warn("rq source {}: queue_oldest_age_seconds of queue {} is absent: {}", config.name(), queue,
                    Secrets.redact(problem));
        }
    }

    /**
     * The configured queues, or those of {@code rq:queues} whose name the pattern finds (a
     * {@code find}, so anchor it with ^...$ to match whole names), sorted for stable output.
     */
    private List<String> queues(Jedis jedis) {
        if (config.fixedQueues()) {
            return config.queues();
        }
        Set<String> names = new TreeSet<>();
        for (String member : jedis.smembers(RqKeys.QUEUES)) {
            RqKeys.queueNameOf(member).filter(n -> config.queuePattern().matcher(n).find()).ifPresent(names::add);
        }
        if (names.size() > config.maxQueues()) {
            // fail rather than poll a partial set: a partial sum would look like less work
            throw new IllegalStateException(config.tooManyQueues(names.size()));
        }
        return List.copyOf(names);
    }

    /** A zset score bound in plain decimal (Redis takes "1.7E9" too, but this reads better in MONITOR). */
    private static String score(double epochSeconds) {
        return String.format(Locale.ROOT, "%.3f", epochSeconds);
    }

    @Override
    public void close() {
        connection.close();
    }
}
