package io.github.queuemetrics.adapter.source.celery;

import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.redis.RedisConnection;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.source.celery.CeleryRedisKeys.Binding;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Celery on Redis (kombu's {@code redis} transport): per queue
 * <ul>
 *   <li>{@code queue_ready}: LLEN summed over the queue's priority lists ({@link CeleryRedisKeys});</li>
 *   <li>{@code queue_unacked}: entries of the global {@code unacked} hash routed to the queue
 *       ({@link UnackedHashReader});</li>
 *   <li>{@code queue_running}: only with worker tracking ({@code workers: celery}), absent otherwise;</li>
 *   <li>{@code queue_outstanding}: ready + unacked (+ running tasks already acked, from worker tracking);</li>
 *   <li>{@code queue_oldest_age_seconds}: a lower bound, see {@link OldestTaskTracker}.</li>
 * </ul>
 * {@code queue_consumers} is absent: Redis has no consumer count (BRPOP leaves no trace); worker
 * tracking supplies live workers later.
 *
 * <p>A poll costs two pipelined round trips whatever the number of queues (all LLENs plus the
 * first HSCAN page of {@code unacked}; then the head fingerprints of the non-empty lists, see
 * {@link QueueListsReader}), plus one round trip per further HSCAN page, plus discovery
 * (queuePattern) and, only when unacked entries went through a named exchange, one SMEMBERS
 * round trip. Lists are read before the hash: a task moving from a list to the hash meanwhile is
 * counted twice, never missed (a brief over-count is safe for an autoscaler; an under-count is
 * not). Between a worker's BRPOP and its HSET into {@code unacked} a task is briefly in neither.
 *
 * <p>One connection, named {@code qma-<source>} (CLIENT SETNAME). When it fails the poll throws
 * (message without password) and the connection is dropped; the next poll connects anew. A
 * connection that had been fine and breaks on first use (idle-killed by the server, CLIENT KILL)
 * is retried once on a fresh connection within the same poll.
 */
public final class CeleryRedisSource implements QueueSource {

    private static final Logger LOG = LoggerFactory.getLogger(CeleryRedisSource.class);

    private final String name;
    private final RedisEndpoint endpoint;
    private final CeleryRedisKeys keys;
    private final List<String> fixedQueues;
    private final QueueDiscovery discovery;
    private final OldestTaskTracker oldest;
    private final RedisConnection connection;
    private QueueListsReader.Plan plan;
    private int lastUnparsable;

    /**
     * A source of broker counts only; with {@code workers: celery} the adapter wraps it in a
     * {@link io.github.queuemetrics.adapter.workers.WorkerAwareSource}, which adds running tasks.
     */
    public CeleryRedisSource(SourceConfig config) {
        this(config, System::nanoTime);
    }

    CeleryRedisSource(SourceConfig config, LongSupplier nanoClock) {
        if (config.type() != SourceType.CELERY_REDIS) {
            throw new IllegalArgumentException("not a celery-redis source: " + config.type());
        }
        this.name = config.name();
        this.endpoint = RedisEndpoint.forSource(config, "qma-" + config.name());
        this.connection = new RedisConnection(endpoint);
        this.keys = new CeleryRedisKeys(config.prioritySteps(), config.separator(), config.keyPrefix());
        this.fixedQueues = List.copyOf(new LinkedHashSet<>(config.queues()));
        this.discovery = config.fixedQueues() ? null : new QueueDiscovery(keys, config.queuePattern(),
                config.maxQueues(), config::tooManyQueues, nanoClock);
        this.oldest = new OldestTaskTracker(nanoClock);
    }

    @Override
    public String name() {
        return name;
    }

    /** The client name this source sets on its connection. */
    public String clientName() {
        return endpoint.clientConfig().getClientName();
    }

    @Override
    public SourceSnapshot poll() throws IOException {
        boolean reused = connection.current() != null;
        try {
            return pollWith(connection.get());
        } catch (JedisConnectionException first) {
            connection.discard();
            if (!reused) {
                throw failure(first);
            }
            LOG.debug("source {}: connection broke, reconnecting once: {}", name, first.getMessage());
            try {
                return pollWith(connection.get());
            } catch (JedisException | ClassCastException | IllegalStateException again) {
                connection.discard();
                throw failure(again);
            }
        } catch (JedisException | ClassCastException | IllegalStateException e) {
            connection.discard();
            throw failure(e);
        }
    }

    private SourceSnapshot pollWith(Jedis redis) {
        List<String> queues;
        Map<String, List<Binding>> tables;
        if (discovery == null) {
            queues = fixedQueues;
            tables = Map.of();
        } else {
            QueueDiscovery.Result found = discovery.discover(redis);
            queues = found.queues();
            tables = found.tables();
        }
        if (plan == null || !plan.queues.equals(queues)) {
            plan = new QueueListsReader.Plan(queues, keys);
        }
        oldest.use(plan);
        QueueListsReader.Pending pendingLists;
        UnackedHashReader.Scan scan;
        try (Pipeline pipeline = redis.pipelined()) {
            pendingLists = QueueListsReader.enqueue(pipeline, plan);
            scan = UnackedHashReader.start(pipeline, keys.unackedKey());
            pipeline.sync();
        }
        Instant takenAt = Instant.now();
        QueueListsReader.Lists lists = pendingLists.get(redis, oldest::knownHead);
        UnackedHashReader.Counts counts = scan.finish(redis);
        Map<String, Integer> unacked = UnackedHashReader.perQueue(counts, bindings(redis, tables, counts));
        noteUnparsable(counts.unparsable());
        double[] ages = oldest.update(lists);

        List<QueueSample> samples = new ArrayList<>(plan.queueCount());
        for (int q = 0; q < plan.queueCount(); q++) {
            String queue = plan.queues.get(q);
            long ready = 0;
            for (int l = plan.firstList[q]; l < plan.firstList[q + 1]; l++) {
                ready += lists.lengths()[l];
            }
            int queueUnacked = unacked.getOrDefault(queue, 0);
            QueueSample.Builder sample = QueueSample.builder(name, queue)
                    .value(QueueMetric.READY, ready)
                    .value(QueueMetric.UNACKED, queueUnacked)
                    .value(QueueMetric.OLDEST_AGE_SECONDS, ages[q]);
            // Running tasks that already left the unacked hash (early ack) are added by worker
            // tracking (WorkerAwareSource): Redis cannot see them.
            sample.value(QueueMetric.OUTSTANDING, ready + queueUnacked);
            samples.add(sample.build());
        }
        return new SourceSnapshot(name, takenAt, samples);
    }

    /** Binding tables for every named exchange the unacked entries went through. */
    private BindingTables bindings(Jedis redis, Map<String, List<Binding>> known, UnackedHashReader.Counts counts) {
        Set<String> missing = new LinkedHashSet<>();
        for (UnackedRoute route : counts.byRoute().keySet()) {
            String exchange = route.exchange();
            if (exchange != null && !exchange.isEmpty() && !known.containsKey(exchange)) {
                missing.add(exchange);
            }
        }
        if (missing.isEmpty()) {
            return new BindingTables(known);
        }
        Map<String, List<Binding>> all = new HashMap<>(known);
        all.putAll(QueueDiscovery.readTables(redis, keys, missing));
        return new BindingTables(all);
    }

    private void noteUnparsable(int unparsable) {
        if (unparsable > 0 && unparsable != lastUnparsable) {
            LOG.warn("source {}: {} entries of {} do not end like kombu's [message, exchange, routing_key];"
                    + " they are not counted", name, unparsable, keys.unackedKey());
        }
        lastUnparsable = unparsable;
    }

    private IOException failure(Exception e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("NOPERM") && message.contains("eval")) {
            message += " (the adapter reads message heads and unacked routes with Lua scripts, so that it never"
                    + " downloads whole messages: allow the user +eval, ACL category @scripting)";
        }
        return new IOException("source " + name + ": cannot read Celery queues from " + endpoint.redactedUri()
                + ": " + Secrets.redact(message), e);
    }

    @Override
    public void close() {
        connection.discard();
    }
}
