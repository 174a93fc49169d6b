package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.model.QueueMetric;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Celery worker tracking, as Flower and {@code celery inspect} do it but once per poll for all
 * workers: per poll one {@code active} and one {@code active_queues} broadcast (plus {@code stats}
 * for workers seen for the first time, for their pool size), and heartbeats from the event stream
 * (consumed continuously). A worker that answers counts, heartbeats or not; a worker that
 * heartbeats must answer, or the poll fails (see {@link #checkUnanswered}).
 *
 * <p>A running task is attributed to the queue its routing key names (Celery publishes to the
 * default exchange with routing key = queue). Tasks with {@code acknowledged: true} (early ack, the
 * default) are in no broker count, so they are added to outstanding; under {@code acks_late} they
 * are still unacked in the broker and are not added again.
 *
 * <p>Tasks started per queue (cumulative) come from the workers' heartbeat counter, see
 * {@link StartedTaskCounter}; {@link io.github.queuemetrics.adapter.workers.WorkerAwareSource}
 * turns them into rates.
 */
public final class CeleryWorkerTracker implements WorkerTracker {

    private static final Duration EVENTS_FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration EVENTS_MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Duration FIRST_SUBSCRIPTION_WAIT = Duration.ofSeconds(3);
    private static final Logger LOG = LoggerFactory.getLogger(CeleryWorkerTracker.class);

    private final CeleryControl control;
    private final boolean tracksPrefetch;
    private final CeleryEventStream events;
    private final CeleryWorkerViews known;
    private final Map<String, WorkerView> views;
    private final Duration replyTimeout;
    private final Duration staleAfter;
    private final StartedTaskCounter starts = new StartedTaskCounter();
    private final QueueTally tally;
    /** Workers that heartbeat, never answered and consume none of the source's queues (see checkUnanswered). */
    private final Set<String> silent = new HashSet<>();

    public CeleryWorkerTracker(CeleryControl control, CeleryEventStream events, CeleryWorkerRegistry registry,
                               Duration replyTimeout, Duration staleAfter) {
        this(control, events, registry, replyTimeout, staleAfter, false);
    }

    /**
     * @param tracksPrefetch also ask for {@code reserved} and {@code scheduled} each poll: on
     *                       RabbitMQ the management API's unacked count lags by its statistics
     *                       interval, so the prefetched tasks are taken from the workers, in the same
     *                       poll as the running ones (Redis' {@code unacked} hash is read live)
     */
    public CeleryWorkerTracker(CeleryControl control, CeleryEventStream events, CeleryWorkerRegistry registry,
                               Duration replyTimeout, Duration staleAfter, boolean tracksPrefetch) {
        this.tracksPrefetch = tracksPrefetch;
        this.tally = new QueueTally(tracksPrefetch);
        this.control = control;
        this.events = events;
        this.known = new CeleryWorkerViews(registry, staleAfter);
        this.views = known.views();
        this.replyTimeout = replyTimeout;
        this.staleAfter = staleAfter;
    }

    /** Control client and event stream on the source's broker; the event stream starts at once. */
    public static CeleryWorkerTracker forSource(SourceConfig source, Clock clock) {
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(clock);
        CeleryEventStream events = source.type() == SourceType.RABBITMQ
                ? new AmqpEventStream(AmqpEndpoint.forSource(source), CeleryEventStream.EXCHANGE,
                        "queue-metrics-adapter/" + source.name() + "/events", registry, clock,
                        EVENTS_FIRST_BACKOFF, EVENTS_MAX_BACKOFF)
                : new RedisEventStream(RedisEndpoint.forSource(source, "qma-" + source.name() + "-events"),
                        source.keyPrefix(), CeleryEventStream.EXCHANGE, registry, clock, EVENTS_FIRST_BACKOFF,
                        EVENTS_MAX_BACKOFF);
        CeleryControl control = CeleryControl.forSource(source);
        events.start();
        return new CeleryWorkerTracker(control, events, registry, source.workerReplyTimeout(),
                source.maxStaleness(), source.type() == SourceType.RABBITMQ);
    }

    /** Worker liveness from the event stream; the scale-down hook reads it too. */
    public CeleryWorkerRegistry registry() {
        return known.registry();
    }

    @Override
    public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
        return refresh(List.copyOf(queues), Map.of(), now);
    }

    /** With the broker's consumer counts (RabbitMQ): they tell whether every consumer has answered. */
    @Override
    public Map<String, QueueWorkers> refresh(SourceSnapshot counts, Instant now) {
        List<String> queues = new ArrayList<>();
        Map<String, Long> consumers = new HashMap<>();
        for (QueueSample sample : counts.queues()) {
            queues.add(sample.queue());
            sample.value(QueueMetric.CONSUMERS).ifPresent(c -> consumers.merge(sample.queue(), (long) c, Long::sum));
        }
        return refresh(queues, consumers, now);
    }

    /**
     * A worker counts while it answers, heartbeats or not: one {@code active} per poll reaches every
     * worker, so workers started with {@code --without-heartbeat} (or whose events are lost) are
     * found too. The broadcast is skipped only when the broker says no queue has a consumer and no
     * worker heartbeats or answered lately.
     *
     * @param consumers the broker's consumer count per queue; empty when it has none (Redis)
     */
    private Map<String, QueueWorkers> refresh(List<String> queues, Map<String, Long> consumers, Instant now) {
        awaitFirstSubscription();
        if (!events.connected()) {
            // Without the event stream there are no heartbeats: a worker that heartbeats but does
            // not answer could not be told from one that is gone. Fail rather than undercount.
            throw new CeleryControlException("Celery event stream not connected"
                    + events.lastError().map(e -> ": " + e).orElse(""));
        }
        Set<String> heartbeating = known.heartbeating(now);
        silent.retainAll(heartbeating);
        Set<String> expecting = new TreeSet<>(heartbeating);
        expecting.removeAll(silent);
        views.keySet().stream().filter(w -> known.live(w, Set.of(), now)).forEach(expecting::add);
        ConsumerCensus census = new ConsumerCensus(queues, consumers);
        if (expecting.isEmpty() && census.noConsumers()) {
            known.refreshed(now);
            return perQueue(queues, Set.of(), Set.copyOf(queues), now);
        }
        // Stop waiting once every known worker answered, unless a consumer is unaccounted for (a
        // worker without heartbeats may have started): then wait out the reply timeout. Redis
        // counts the receivers of a broadcast itself.
        int expected = census.accountedFor(expecting, views) ? expecting.size() : 0;
        // Tasks move ready -> prefetched -> active, so the reads follow that order (the broker was
        // read before this): a task that moves between two reads is counted twice for one poll,
        // never missed. Only the first broadcast goes to every worker; the next ones go to those
        // that answered, so a worker that has just died costs one reply timeout per poll.
        Map<String, List<TaskInfo>> held = new HashMap<>();
        List<String> responders = null;
        if (tracksPrefetch) {
            held.putAll(control.reserved(null, replyTimeout, expected));
            responders = held.isEmpty() ? null : new ArrayList<>(held.keySet());
            for (Map.Entry<String, List<TaskInfo>> e : control.scheduled(responders, replyTimeout, expected)
                    .entrySet()) {
                List<TaskInfo> all = new ArrayList<>(held.getOrDefault(e.getKey(), List.of()));
                all.addAll(e.getValue());
                held.put(e.getKey(), all);
            }
        }
        CeleryControl.Answers<List<TaskInfo>> answers = control.activeAnswers(responders, replyTimeout, expected);
        Map<String, List<TaskInfo>> active = answers.replies();
        Map<String, List<String>> queuesOf = active.isEmpty() ? Map.of()
                : control.activeQueues(new ArrayList<>(active.keySet()), replyTimeout);
        Set<String> needStats = new TreeSet<>();
        for (String worker : active.keySet()) {
            WorkerView seen = views.get(worker);
            if (seen == null || seen.slots() <= 0 || !known.samePid(seen, worker)) {
                needStats.add(worker);
            }
        }
        Map<String, WorkerStats> stats = needStats.isEmpty() ? Map.of()
                : control.stats(new ArrayList<>(needStats), replyTimeout);

        for (Map.Entry<String, List<TaskInfo>> answer : active.entrySet()) {
            String worker = answer.getKey();
            WorkerView old = views.get(worker);
            Set<String> workerQueues = queuesOf.containsKey(worker) ? new LinkedHashSet<>(queuesOf.get(worker))
                    : old == null ? Set.of() : old.queues();
            Set<String> first = old == null || !known.samePid(old, worker) ? workerQueues : old.firstQueues();
            int slots = stats.containsKey(worker) ? stats.get(worker).maxConcurrency()
                    : old == null ? 0 : old.slots();
            views.put(worker, new WorkerView(List.copyOf(answer.getValue()),
                    List.copyOf(held.getOrDefault(worker, List.of())), Set.copyOf(workerQueues),
                    Set.copyOf(first), slots, known.pid(worker), now));
        }
        Set<String> live = new TreeSet<>();
        views.keySet().stream().filter(w -> known.live(w, active.keySet(), now)).forEach(live::add);
        for (String worker : heartbeating) {
            if (!active.containsKey(worker)) {
                checkUnanswered(worker, queues, census, live, answers.everyReceiverAnswered(), now);
            }
        }
        known.forgetIdle(heartbeating, active.keySet(), now);
        starts.update(known.registry().workers(), views, active.keySet(), now);
        known.refreshed(now);
        return perQueue(queues, live, census.accountedQueues(live, views), now);
    }

    /**
     * A worker that heartbeats and did not answer this poll. Its last answer serves while younger
     * than staleAfter. Beyond that, or when it never answered, its running tasks are unknown and
     * the poll fails, unless it provably consumes none of the source's queues: its last answer
     * named none of them, or (never answered) every consumer the broker counts on them answered,
     * or every receiver of the broadcast answered (it listens to no remote control: a worker of
     * another app with {@code worker_enable_remote_control = False}). Such a worker is left out.
     */
    private void checkUnanswered(String worker, List<String> queues, ConsumerCensus census, Set<String> live,
                                 boolean everyReceiverAnswered, Instant now) {
        WorkerView view = views.get(worker);
        if (view != null) {
            if (!view.answeredAt().plus(staleAfter).isBefore(now) || !view.touches(queues)) {
                return;
            }
        } else if (known.justStarted(worker)) {
            // worker-online is sent before the worker's event loop serves its pidbox; it has not
            // run a task yet either, so it holds nothing we could miss.
            return;
        } else if (everyReceiverAnswered || census.accountedFor(live, views)) {
            if (silent.add(worker)) {
                LOG.info("Celery worker {} sends heartbeats but answers no broadcast; it is left out: {}", worker,
                        everyReceiverAnswered ? "it receives none (remote control disabled, or another app's"
                                + " control exchange), so its tasks cannot be counted"
                                : "every consumer of this source's queues answered, so it consumes none of them");
            }
            return;
        }
        silent.remove(worker);
        throw new CeleryControlException("worker " + worker + " sends heartbeats but did not answer "
                + "'active' within " + replyTimeout.toMillis() + " ms: its running tasks are unknown"
                + census.describeUnaccounted(live, views));
    }

    /**
     * The event stream subscribes in the background when the adapter starts; the first poll comes
     * right after. Waiting briefly (on the broker pool, never an event loop) for that first
     * subscription spares a failed first poll and a late /readyz.
     */
    private void awaitFirstSubscription() {
        long deadline = System.nanoTime() + FIRST_SUBSCRIPTION_WAIT.toNanos();
        while (!events.connected() && events.connectCount() == 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Map<String, QueueWorkers> perQueue(Collection<String> queues, Set<String> live, Set<String> accounted,
                                               Instant now) {
        return tally.perQueue(queues, views, live, accounted, starts, now);
    }

    @Override
    public ProbeResult probe(String worker, Instant now) {
        return known.probe(worker, now);
    }

    @Override
    public List<WorkerSummary> workers(Instant now) {
        return known.summaries(now);
    }

    @Override
    public boolean knows(String worker) {
        return known.knows(worker);
    }

    @Override
    public void close() {
        events.close();
        control.close();
    }
}
