package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness of Celery workers, as the event stream tells it. Running tasks are not kept here: the
 * tracker takes them from the workers' {@code active} answers, the one model of what runs.
 *
 * <p><b>Threads.</b> The event stream writes (one consumer thread; writers are serialized), probes
 * and pollers read. Each worker's state is an immutable {@link CeleryWorkerState} replaced whole in
 * a concurrent map, so a reader never waits on a writer.
 *
 * <p><b>Liveness follows celery/events/state.py.</b> A heartbeat is stamped with the time it was
 * <em>received</em> here (Celery's {@code local_received}), not with the worker's own timestamp,
 * so clock skew between worker and adapter cannot make a worker look dead or alive. A worker is
 * alive while {@code now < lastHeartbeat + freq * 2} (see {@link CeleryWorkerState#aliveAt}), and
 * a {@code worker-offline} ends it at once. As in Celery, a task event from a worker counts as a
 * sign of life too, but only for a worker whose {@code freq} we know (Celery would assume 60 s,
 * which would keep an unknown worker "alive" for two minutes). The worker's event timestamp is
 * only used to order that worker's own events (it is the same clock for all of them).
 *
 * <p><b>Out-of-order events.</b> A heartbeat older (by the worker's timestamp) than the {@code
 * worker-offline} already seen does not bring the worker back; a {@code worker-online} always
 * does (a restarted pod keeps its nodename). Fields (pid, freq, active, processed) are taken from
 * the event with the latest worker timestamp.
 *
 * <p><b>Bounded memory.</b> One entry per worker; workers offline or expired for longer than
 * {@code forgetWorkersAfter} are dropped.
 */
public final class CeleryWorkerRegistry implements CeleryEventListener {

    public static final Duration DEFAULT_FORGET_WORKERS_AFTER = Duration.ofMinutes(10);
    /** Celery's HEARTBEAT_DRIFT_MAX: a bigger gap between send and receive time is worth a warning. */
    static final double DRIFT_WARN_SECONDS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(CeleryWorkerRegistry.class);
    private static final Duration PRUNE_EVERY = Duration.ofSeconds(1);
    /** Task events that come from a worker (task-sent comes from the producer). */
    private static final Set<String> WORKER_TASK_EVENTS =
            Set.of("received", "started", "succeeded", "failed", "revoked", "rejected", "retried");

    private final Clock clock;
    private final Duration forgetWorkersAfter;
    /** What readers see. */
    private final Map<String, CeleryWorkerState> states = new ConcurrentHashMap<>();
    /** What only the writer needs to order a worker's events; guarded by {@code this}. */
    private final Map<String, EventOrder> orders = new HashMap<>();
    private Instant lastPrune = Instant.MIN;
    /** When running tasks started, for the scale-down hook's deletion cost. */
    private final TaskStartTimes taskStarts = new TaskStartTimes();

    /** The writer's bookkeeping for one worker, by the worker's own clock. */
    private static final class EventOrder {
        final Instant firstSeen;
        double offlineTimestamp = Double.NaN;
        double fieldsTimestamp = Double.NaN;
        boolean driftWarned;

        EventOrder(Instant firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

    public CeleryWorkerRegistry(Clock clock) {
        this(clock, DEFAULT_FORGET_WORKERS_AFTER);
    }

    public CeleryWorkerRegistry(Clock clock, Duration forgetWorkersAfter) {
        this.clock = clock;
        this.forgetWorkersAfter = forgetWorkersAfter;
    }

    // ---------------------------------------------------------------- reading (never locks)

    /** Celery's rule: online, and {@code now < lastHeartbeat + freq * 2}. Unknown workers are not alive. */
    public boolean isAlive(String nodename, Instant now) {
        CeleryWorkerState w = states.get(nodename);
        return w != null && w.aliveAt(now);
    }

    public boolean isAlive(String nodename) {
        return isAlive(nodename, clock.instant());
    }

    public Optional<CeleryWorkerState> worker(String nodename) {
        return Optional.ofNullable(states.get(nodename));
    }

    /** When the task started, from its {@code task-started} event (the worker's wall clock), while it runs. */
    public Optional<Instant> taskStarted(String uuid) {
        return taskStarts.startedAt(uuid);
    }

    /** Every worker still remembered (alive or not). */
    public List<CeleryWorkerState> workers() {
        return List.copyOf(states.values());
    }

    // ---------------------------------------------------------------- writing

    @Override
    public synchronized void onEvent(ObjectNode event) {
        Instant now = clock.instant();
        String type = event.path("type").asText("");
        String hostname = text(event, "hostname");
        if (hostname != null) {
            if (type.startsWith("worker-")) {
                onWorkerEvent(type.substring("worker-".length()), hostname, event, now);
            } else if (type.startsWith("task-") && WORKER_TASK_EVENTS.contains(type.substring("task-".length()))
                    && text(event, "uuid") != null) {
                onTaskEvent(hostname, now);
                recordTaskStart(type.substring("task-".length()), text(event, "uuid"), number(event, "timestamp"), now);
            }
        }
        if (!now.isBefore(lastPrune.plus(PRUNE_EVERY))) {
            prune(now);
        }
    }

    /** Forgets long-gone workers; runs by itself as events come in. */
    public synchronized void prune() {
        prune(clock.instant());
    }

    private void onWorkerEvent(String subject, String hostname, ObjectNode e, Instant now) {
        double ts = number(e, "timestamp");
        CeleryWorkerState w = states.get(hostname);
        EventOrder order = orders.computeIfAbsent(hostname, h -> new EventOrder(now));
        if (w == null) {
            w = new CeleryWorkerState(hostname, true, null, null, null, null, null, null, 0);
        }
        if ("offline".equals(subject)) {
            w = withFields(w, order, e, ts);
            order.offlineTimestamp = ts;
            states.put(hostname, new CeleryWorkerState(hostname, false, w.pid(), w.freq(), w.active(), w.processed(),
                    w.lastHeartbeat(), now, w.heartbeats()));
            return;
        }
        if (!w.online() && !"online".equals(subject)
                && !Double.isNaN(ts) && !Double.isNaN(order.offlineTimestamp) && ts <= order.offlineTimestamp) {
            return; // sent before the worker said goodbye, arrived after: not a sign of life
        }
        order.offlineTimestamp = Double.NaN;
        w = withFields(w, order, e, ts);
        boolean heartbeat = !Double.isNaN(ts); // Celery needs both times to count a heartbeat; so do we
        states.put(hostname, new CeleryWorkerState(hostname, true, w.pid(), w.freq(), w.active(), w.processed(),
                heartbeat ? later(w.lastHeartbeat(), now) : w.lastHeartbeat(), null,
                heartbeat ? w.heartbeats() + 1 : w.heartbeats()));
        if (heartbeat) {
            warnDrift(hostname, order, now, ts);
        }
    }

    /** A task event is a sign of life from a worker whose heartbeat period we know. */
    private void onTaskEvent(String hostname, Instant now) {
        CeleryWorkerState w = states.get(hostname);
        if (w == null) {
            orders.put(hostname, new EventOrder(now)); // known, but not alive until it sends a heartbeat
            states.put(hostname, new CeleryWorkerState(hostname, true, null, null, null, null, null, null, 0));
        } else if (w.online() && w.freq() != null) {
            states.put(hostname, new CeleryWorkerState(hostname, true, w.pid(), w.freq(), w.active(), w.processed(),
                    later(w.lastHeartbeat(), now), null, w.heartbeats()));
        }
    }

    private void recordTaskStart(String subject, String uuid, double timestamp, Instant now) {
        if ("started".equals(subject)) {
            taskStarts.started(uuid, Double.isNaN(timestamp) ? now
                    : Instant.ofEpochMilli(Math.round(timestamp * 1000)));
        } else if (!"received".equals(subject)) {
            taskStarts.ended(uuid);
        }
    }

    /** Takes pid, freq, active, processed unless an event with a later worker timestamp already set them. */
    private static CeleryWorkerState withFields(CeleryWorkerState w, EventOrder order, JsonNode e, double ts) {
        if (!Double.isNaN(order.fieldsTimestamp) && !Double.isNaN(ts) && ts < order.fieldsTimestamp) {
            return w;
        }
        if (!Double.isNaN(ts)) {
            order.fieldsTimestamp = ts;
        }
        Long pid = e.hasNonNull("pid") ? Long.valueOf(e.get("pid").asLong()) : w.pid();
        Double freq = e.path("freq").isNumber() ? Double.valueOf(e.get("freq").asDouble()) : w.freq();
        Integer active = e.path("active").isNumber() ? Integer.valueOf(e.get("active").asInt()) : w.active();
        Long processed = e.path("processed").isNumber() ? Long.valueOf(e.get("processed").asLong()) : w.processed();
        return new CeleryWorkerState(w.nodename(), w.online(), pid, freq, active, processed, w.lastHeartbeat(),
                w.offlineAt(), w.heartbeats());
    }

    private static Instant later(Instant last, Instant receivedAt) {
        return last == null || receivedAt.isAfter(last) ? receivedAt : last;
    }

    private void prune(Instant now) {
        lastPrune = now;
        Iterator<Map.Entry<String, EventOrder>> it = orders.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, EventOrder> entry = it.next();
            Instant goneSince = goneSince(states.get(entry.getKey()), entry.getValue(), now);
            if (goneSince != null && goneSince.plus(forgetWorkersAfter).isBefore(now)) {
                it.remove();
                states.remove(entry.getKey());
            }
        }
    }

    /** Since when the worker is gone (offline or expired), or null while alive. */
    private static Instant goneSince(CeleryWorkerState w, EventOrder order, Instant now) {
        if (!w.online()) {
            return w.offlineAt();
        }
        Instant expires = w.heartbeatExpires();
        if (expires == null) {
            return w.lastHeartbeat() != null ? w.lastHeartbeat() : order.firstSeen;
        }
        return now.isBefore(expires) ? null : expires;
    }

    private static void warnDrift(String hostname, EventOrder order, Instant now, double ts) {
        double drift = Math.abs(now.toEpochMilli() / 1000.0 - ts);
        if (drift > DRIFT_WARN_SECONDS && !order.driftWarned) {
            order.driftWarned = true;
            LOG.warn("celery worker {}: its clock is {} s off ours; liveness uses receive time, so it is "
                    + "unaffected", hostname, Math.round(drift));
        }
    }

    private static String text(JsonNode e, String field) {
        JsonNode n = e.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static double number(JsonNode e, String field) {
        JsonNode n = e.get(field);
        return n != null && n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
