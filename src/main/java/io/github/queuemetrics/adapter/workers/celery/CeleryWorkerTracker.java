package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.amqp.AmqpEndpoint;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.workers.ProbeResult;
import io.github.queuemetrics.adapter.workers.QueueWorkers;
import io.github.queuemetrics.adapter.workers.UtilizationWindow;
import io.github.queuemetrics.adapter.workers.WorkerSummary;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Celery worker tracking, as Flower and {@code celery inspect} do it but once per poll for all
 * workers: liveness from the heartbeats of the event stream (consumed continuously), and per poll
 * one {@code active} and one {@code active_queues} broadcast (plus {@code stats} for workers seen
 * for the first time, for their pool size).
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
    /** Celery's default heartbeat is 2 s and a worker counts as gone after two periods. */
    private static final Duration QUIET_BEFORE_NO_WORKERS = Duration.ofSeconds(4);

    private final CeleryControl control;
    private final boolean tracksPrefetch;
    private final CeleryEventStream events;
    private final CeleryWorkerRegistry registry;
    private final Duration replyTimeout;
    private final Duration staleAfter;
    private final Clock clock;
    private final Map<String, WorkerView> views = new ConcurrentHashMap<>();
    private final Map<String, UtilizationWindow> utilization = new HashMap<>();
    private final StartedTaskCounter starts = new StartedTaskCounter();
    private volatile Instant lastRefresh;
    /** connectCount() of the subscription we are listening on, and when we first saw it up. */
    private long subscriptionSeen = -1;
    private Instant subscribedAt;

    /** What the last polls learned about one worker; replaced whole, read by probes. */
    record WorkerView(List<TaskInfo> active, List<TaskInfo> held, Set<String> queues, Set<String> firstQueues,
                      int slots, Long pid, Instant answeredAt) {
    }

    public CeleryWorkerTracker(CeleryControl control, CeleryEventStream events, CeleryWorkerRegistry registry,
                               Duration replyTimeout, Duration staleAfter, Clock clock) {
        this(control, events, registry, replyTimeout, staleAfter, clock, false);
    }

    /**
     * @param tracksPrefetch also ask for {@code reserved} and {@code scheduled} each poll: on
     *                       RabbitMQ the management API's unacked count lags by its statistics
     *                       interval, so the prefetched tasks are taken from the workers, in the same
     *                       poll as the running ones (Redis' {@code unacked} hash is read live)
     */
    public CeleryWorkerTracker(CeleryControl control, CeleryEventStream events, CeleryWorkerRegistry registry,
                               Duration replyTimeout, Duration staleAfter, Clock clock, boolean tracksPrefetch) {
        this.tracksPrefetch = tracksPrefetch;
        this.control = control;
        this.events = events;
        this.registry = registry;
        this.replyTimeout = replyTimeout;
        this.staleAfter = staleAfter;
        this.clock = clock;
    }

    /** Control client and event stream on the source's broker; the event stream starts at once. */
    public static CeleryWorkerTracker forSource(SourceConfig source, Clock clock) {
        CeleryWorkerRegistry registry = new CeleryWorkerRegistry(clock);
        CeleryEventStream events = source.type() == SourceType.RABBITMQ
                ? new AmqpEventStream(AmqpEndpoint.forSource(source), AmqpEventStream.DEFAULT_EXCHANGE,
                        "queue-metrics-adapter/" + source.name() + "/events", registry, clock,
                        EVENTS_FIRST_BACKOFF, EVENTS_MAX_BACKOFF)
                : new RedisEventStream(RedisEndpoint.forSource(source, "qma-" + source.name() + "-events"),
                        source.keyPrefix(), AmqpEventStream.DEFAULT_EXCHANGE, registry, clock, EVENTS_FIRST_BACKOFF,
                        EVENTS_MAX_BACKOFF);
        CeleryControl control = CeleryControl.forSource(source);
        events.start();
        return new CeleryWorkerTracker(control, events, registry, CeleryControl.DEFAULT_TIMEOUT,
                source.maxStaleness(), clock, source.type() == SourceType.RABBITMQ);
    }

    public CeleryWorkerRegistry registry() {
        return registry;
    }

    @Override
    public Map<String, QueueWorkers> refresh(Collection<String> queues, Instant now) {
        awaitFirstSubscription();
        if (!events.connected()) {
            // Without the event stream there are no heartbeats: no way to tell a silent worker
            // from an idle one. Fail the poll rather than report fewer workers than there are.
            throw new CeleryControlException("Celery event stream not connected"
                    + events.lastError().map(e -> ": " + e).orElse(""));
        }
        Set<String> alive = aliveWorkers(now);
        if (alive.isEmpty() && listenedLongEnough(now)) {
            // Every Celery worker heartbeats (every 2 s by default) and announces itself when it
            // starts: after two periods of listening with none alive, there is nobody to ask, and
            // broadcasting would only wait out the reply timeout.
            views.clear();
            lastRefresh = now;
            return perQueue(queues, alive, Set.of(), now);
        }
        // Broadcast to every worker (a worker may have started since its first heartbeat reached
        // us) but stop waiting once every worker known to be alive has answered.
        // Tasks move ready -> prefetched -> active -> done, so the reads follow that order (the
        // broker was read before this): a task that moves between two reads is counted twice for
        // one poll, never missed.
        // Only the first broadcast goes to every worker (one may have started since its first
        // heartbeat reached us); the next ones go to those that answered, so a worker that has just
        // died costs one reply timeout per poll, not one per broadcast.
        Map<String, List<TaskInfo>> held = new HashMap<>();
        List<String> responders = null;
        if (tracksPrefetch) {
            held.putAll(control.reserved(null, replyTimeout, alive.size()));
            responders = held.isEmpty() ? null : new ArrayList<>(held.keySet());
            for (Map.Entry<String, List<TaskInfo>> e : control.scheduled(responders, replyTimeout, alive.size())
                    .entrySet()) {
                List<TaskInfo> all = new ArrayList<>(held.getOrDefault(e.getKey(), List.of()));
                all.addAll(e.getValue());
                held.put(e.getKey(), all);
            }
        }
        Map<String, List<TaskInfo>> active = control.active(responders, replyTimeout, alive.size());
        Map<String, List<String>> queuesOf = active.isEmpty() ? Map.of()
                : control.activeQueues(new ArrayList<>(active.keySet()), replyTimeout);
        Set<String> needStats = new TreeSet<>();
        for (String worker : active.keySet()) {
            WorkerView known = views.get(worker);
            if (known == null || known.slots() <= 0 || !samePid(known, worker)) {
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
            Set<String> first = old == null || !samePid(old, worker) ? workerQueues : old.firstQueues();
            int slots = stats.containsKey(worker) ? stats.get(worker).maxConcurrency()
                    : old == null ? 0 : old.slots();
            Long pid = registry.worker(worker).map(CeleryWorkerState::pid).orElse(null);
            views.put(worker, new WorkerView(List.copyOf(answer.getValue()),
                    List.copyOf(held.getOrDefault(worker, List.of())), Set.copyOf(workerQueues),
                    Set.copyOf(first), slots, pid, now));
        }
        for (String worker : alive) {
            WorkerView view = views.get(worker);
            if (!active.containsKey(worker) && (view == null || view.answeredAt().plus(staleAfter).isBefore(now))) {
                if (view == null && justStarted(worker)) {
                    // worker-online is sent before the worker's event loop serves its pidbox; it
                    // has not run a task yet either, so it holds nothing we could miss.
                    continue;
                }
                throw new CeleryControlException("worker " + worker + " sends heartbeats but did not answer "
                        + "'active' within " + replyTimeout.toMillis() + " ms: its running tasks are unknown");
            }
        }
        views.keySet().removeIf(worker -> !alive.contains(worker) && !active.containsKey(worker)
                && views.get(worker).answeredAt().plus(Duration.ofMinutes(10)).isBefore(now));
        starts.update(registry.workers(), views, active.keySet(), now);
        lastRefresh = now;
        return perQueue(queues, alive, active.keySet(), now);
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

    /** True once the current subscription has been up for two default heartbeat periods. */
    private boolean listenedLongEnough(Instant now) {
        long count = events.connectCount();
        if (count != subscriptionSeen) {
            subscriptionSeen = count;
            subscribedAt = now;
        }
        return subscribedAt != null && !subscribedAt.plus(QUIET_BEFORE_NO_WORKERS).isAfter(now);
    }

    /** True while the worker has sent no more than its online event and first heartbeat. */
    private boolean justStarted(String worker) {
        return registry.worker(worker).map(w -> w.heartbeats() <= 2).orElse(false);
    }

    private Set<String> aliveWorkers(Instant now) {
        Set<String> alive = new TreeSet<>();
        for (CeleryWorkerState state : registry.workers()) {
            if (registry.isAlive(state.nodename(), now)) {
                alive.add(state.nodename());
            }
        }
        return alive;
    }

    private boolean samePid(WorkerView view, String worker) {
        Long pid = registry.worker(worker).map(CeleryWorkerState::pid).orElse(null);
        return pid == null || view.pid() == null || pid.equals(view.pid());
    }

    private Map<String, QueueWorkers> perQueue(Collection<String> queues, Set<String> alive, Set<String> answered,
                                               Instant now) {
        Map<String, QueueWorkers> result = new HashMap<>();
        for (String queue : queues) {
            long running = 0;
            long unseen = 0;
            long prefetched = 0;
            int total = 0;
            int busy = 0;
            double slots = 0;
            double busySlots = 0;
            for (Map.Entry<String, WorkerView> entry : views.entrySet()) {
                String worker = entry.getKey();
                WorkerView view = entry.getValue();
                boolean live = alive.contains(worker) || answered.contains(worker);
                if (!live) {
                    continue;
                }
                // Tasks count for their queue even when the worker stopped consuming it
                // (cancel_consumer): they still run, and must not look finished.
                for (TaskInfo task : view.active()) {
                    if (queue.equals(task.routingKey())) {
                        running++;
                        if (task.acknowledged()) {
                            unseen++;
                        }
                    }
                }
                for (TaskInfo task : view.held()) {
                    if (queue.equals(task.routingKey())) {
                        prefetched++;
                    }
                }
                if (view.queues().contains(queue)) {
                    total++;
                    int executing = view.active().size();
                    int workerSlots = Math.max(view.slots(), 1);
                    if (executing > 0) {
                        busy++;
                    }
                    slots += workerSlots;
                    busySlots += Math.min(executing, workerSlots);
                }
            }
            UtilizationWindow window = utilization.computeIfAbsent(queue,
                    q -> new UtilizationWindow(Duration.ofMinutes(1)));
            window.add(now, busySlots, slots);
            result.put(queue, new QueueWorkers(running, unseen, tracksPrefetch ? prefetched : -1, total, busy,
                    window.ratio(now).orElse(0), starts.started(queue)));
        }
        utilization.keySet().retainAll(queues);
        starts.retainQueues(queues);
        return result;
    }

    @Override
    public ProbeResult probe(String worker, Instant now) {
        CeleryWorkerState state = registry.worker(worker).orElse(null);
        WorkerView view = views.get(worker);
        if (state == null && view == null) {
            return ProbeResult.notReady("unknown worker " + worker + ": no heartbeat seen");
        }
        if (!registry.isAlive(worker, now)) {
            if (state != null && state.offlineAt() != null) {
                return ProbeResult.notReady("worker " + worker + " went offline at " + state.offlineAt());
            }
            String last = state == null || state.lastHeartbeat() == null ? "never"
                    : Duration.between(state.lastHeartbeat(), now).toSeconds() + "s ago";
            return ProbeResult.notReady("worker " + worker + " is silent: last heartbeat " + last);
        }
        Instant refreshed = lastRefresh;
        if (view == null || refreshed == null || refreshed.plus(staleAfter).isBefore(now)) {
            return ProbeResult.notReady("worker " + worker + " is alive but the adapter has no fresh "
                    + "answer from it to 'active_queues'");
        }
        // Name the cancelled queues first: "consumes no queue" alone would hide which queue the
        // worker was drained from when cancel_consumer removed its only one.
        Set<String> dropped = new TreeSet<>(view.firstQueues());
        dropped.removeAll(view.queues());
        if (!dropped.isEmpty()) {
            return ProbeResult.notReady("worker " + worker + " no longer consumes " + String.join(", ", dropped)
                    + " (drained by cancel_consumer)");
        }
        if (view.queues().isEmpty()) {
            return ProbeResult.notReady("worker " + worker + " consumes no queue (drained)");
        }
        return ProbeResult.ready("worker " + worker + " alive, consuming " + String.join(", ", new TreeSet<>(
                view.queues())));
    }

    @Override
    public List<WorkerSummary> workers(Instant now) {
        Set<String> names = new TreeSet<>(views.keySet());
        registry.workers().forEach(w -> names.add(w.nodename()));
        List<WorkerSummary> result = new ArrayList<>();
        for (String name : names) {
            WorkerView view = views.get(name);
            int slots = view == null ? 0 : Math.max(view.slots(), 0);
            int busy = view == null ? 0 : view.active().size();
            result.add(new WorkerSummary(name, registry.isAlive(name, now), busy, slots));
        }
        return result;
    }

    @Override
    public boolean knows(String worker) {
        return views.containsKey(worker) || registry.worker(worker).isPresent();
    }

    @Override
    public void close() {
        events.close();
        control.close();
    }
}
