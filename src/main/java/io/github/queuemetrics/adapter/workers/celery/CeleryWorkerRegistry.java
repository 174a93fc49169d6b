package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.queuemetrics.adapter.workers.celery.CeleryTaskState.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Celery workers and their running tasks, as the event stream tells them. Thread-safe: the stream
 * writes from its consumer thread, probes and pollers read from theirs.
 *
 * <p><b>Liveness follows celery/events/state.py.</b> A heartbeat is stamped with the time it was
 * <em>received</em> here (Celery's {@code local_received}), not with the worker's own timestamp,
 * so clock skew between worker and adapter cannot make a worker look dead or alive. A worker is
 * alive while {@code now < lastHeartbeat + freq * 2} ({@code HEARTBEAT_EXPIRE_WINDOW} = 200%),
 * with {@code freq} capped at {@link #MAX_HEARTBEAT_FREQ_SECONDS},
 * and a {@code worker-offline} ends it at once. As in Celery, a task event from a worker counts as
 * a sign of life too, but only for a worker whose {@code freq} we know (Celery would assume 60 s,
 * which would keep an unknown worker "alive" for two minutes). The worker's event timestamp is
 * only used to order that worker's own events (it is the same clock for all of them).
 *
 * <p><b>Out-of-order events.</b> A heartbeat older (by the worker's timestamp) than the {@code
 * worker-offline} already seen does not bring the worker back; a {@code worker-online} always
 * does (a restarted pod keeps its nodename). For tasks, a state only moves forward, as in
 * Celery's state precedence: a late {@code task-started} after {@code task-succeeded} is ignored;
 * after {@code task-retried} only events newer than the retry count (a new attempt).
 *
 * <p><b>Bounded memory.</b> Workers offline or expired for longer than {@code forgetWorkersAfter}
 * are dropped with their tasks; finished tasks are kept only {@code keepFinishedTasks} (long
 * enough to recognise a late event); unfinished and finished tasks are each capped at {@code
 * maxTasks}, oldest first out.
 */
public final class CeleryWorkerRegistry implements CeleryEventListener {

    /** Celery's HEARTBEAT_EXPIRE_WINDOW (200%): alive for two heartbeat periods after the last one. */
    public static final double HEARTBEAT_EXPIRE_FACTOR = 2.0;
    /**
     * The largest heartbeat period believed, in seconds: a worker's {@code freq} above it counts as
     * 60 s (Celery's default is 2 s). Anyone who can publish to the event exchange could otherwise
     * keep a phantom worker alive for as long as the {@code freq} it claims.
     */
    public static final double MAX_HEARTBEAT_FREQ_SECONDS = 60;
    public static final Duration DEFAULT_FORGET_WORKERS_AFTER = Duration.ofMinutes(10);
    public static final Duration DEFAULT_KEEP_FINISHED_TASKS = Duration.ofMinutes(1);
    public static final int DEFAULT_MAX_TASKS = 100_000;
    /** Celery's HEARTBEAT_DRIFT_MAX: a bigger gap between send and receive time is worth a warning. */
    static final double DRIFT_WARN_SECONDS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(CeleryWorkerRegistry.class);
    private static final Duration PRUNE_EVERY = Duration.ofSeconds(1);

    private final Clock clock;
    private final Duration forgetWorkersAfter;
    private final Duration keepFinishedTasks;
    private final int maxTasks;
    private final Map<String, WorkerRecord> workers = new HashMap<>();
    /** Unfinished tasks in the order first seen. */
    private final LinkedHashMap<String, TaskRecord> liveTasks = new LinkedHashMap<>();
    /** Finished tasks in the order they finished (local time), kept briefly for late events. */
    private final LinkedHashMap<String, TaskRecord> finishedTasks = new LinkedHashMap<>();
    private Instant lastPrune = Instant.MIN;

    public CeleryWorkerRegistry(Clock clock) {
        this(clock, DEFAULT_FORGET_WORKERS_AFTER, DEFAULT_KEEP_FINISHED_TASKS, DEFAULT_MAX_TASKS);
    }

    public CeleryWorkerRegistry(Clock clock, Duration forgetWorkersAfter, Duration keepFinishedTasks, int maxTasks) {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("maxTasks must be at least 1");
        }
        this.clock = clock;
        this.forgetWorkersAfter = forgetWorkersAfter;
        this.keepFinishedTasks = keepFinishedTasks;
        this.maxTasks = maxTasks;
    }

    // ---------------------------------------------------------------- reading

    /** Celery's rule: online, and {@code now < lastHeartbeat + freq * 2}. Unknown workers are not alive. */
    public synchronized boolean isAlive(String nodename, Instant now) {
        WorkerRecord w = workers.get(nodename);
        return w != null && w.isAlive(now);
    }

    public boolean isAlive(String nodename) {
        return isAlive(nodename, clock.instant());
    }

    public synchronized Optional<CeleryWorkerState> worker(String nodename) {
        WorkerRecord w = workers.get(nodename);
        return w == null ? Optional.empty() : Optional.of(w.snapshot(clock.instant()));
    }

    /** Every worker still remembered (alive or not), by nodename. */
    public synchronized List<CeleryWorkerState> workers() {
        Instant now = clock.instant();
        List<CeleryWorkerState> out = new ArrayList<>(workers.size());
        for (WorkerRecord w : workers.values()) {
            out.add(w.snapshot(now));
        }
        out.sort(Comparator.comparing(CeleryWorkerState::nodename));
        return out;
    }

    /** Uuids of the tasks this worker started and has not finished (empty for an unknown worker). */
    public synchronized Set<String> runningTasks(String nodename) {
        WorkerRecord w = workers.get(nodename);
        return w == null ? Set.of() : Set.copyOf(w.running);
    }

    public synchronized Optional<CeleryTaskState> task(String uuid) {
        TaskRecord t = liveTasks.get(uuid);
        if (t == null) {
            t = finishedTasks.get(uuid);
        }
        return t == null ? Optional.empty() : Optional.of(t.snapshot());
    }

    public synchronized int workerCount() {
        return workers.size();
    }

    public synchronized int unfinishedTaskCount() {
        return liveTasks.size();
    }

    public synchronized int finishedTaskCount() {
        return finishedTasks.size();
    }

    // ---------------------------------------------------------------- writing

    @Override
    public synchronized void onEvent(ObjectNode event) {
        Instant now = clock.instant();
        String type = event.path("type").asText("");
        if (type.startsWith("worker-")) {
            onWorkerEvent(type.substring("worker-".length()), event, now);
        } else if (type.startsWith("task-")) {
            onTaskEvent(type.substring("task-".length()), event, now);
        }
        if (!now.isBefore(lastPrune.plus(PRUNE_EVERY))) {
            prune(now);
        }
    }

    /** Forgets long-gone workers and old finished tasks; runs by itself as events come in. */
    public synchronized void prune() {
        prune(clock.instant());
    }

    private void onWorkerEvent(String subject, ObjectNode e, Instant now) {
        String hostname = text(e, "hostname");
        double ts = number(e, "timestamp");
        if (hostname == null) {
            return;
        }
        WorkerRecord w = workers.get(hostname);
        if ("offline".equals(subject)) {
            if (w == null) {
                w = new WorkerRecord(hostname, now);
                workers.put(hostname, w);
            }
            w.applyFields(e, ts);
            w.online = false;
            w.offlineAt = now;
            w.offlineTimestamp = ts;
            dropTasksOf(w);
            return;
        }
        if (w != null && !w.online && !"online".equals(subject)
                && !Double.isNaN(ts) && !Double.isNaN(w.offlineTimestamp) && ts <= w.offlineTimestamp) {
            return; // sent before the worker said goodbye, arrived after: not a sign of life
        }
        if (w == null) {
            w = new WorkerRecord(hostname, now);
            workers.put(hostname, w);
        }
        if (!w.online) {
            w.online = true;
            w.offlineAt = null;
            w.offlineTimestamp = Double.NaN;
        }
        w.applyFields(e, ts);
        if (Double.isNaN(ts)) {
            return; // Celery needs both times to count a heartbeat; so do we
        }
        w.heartbeat(now);
        w.heartbeats++;
        warnDrift(w, now, ts);
    }

    private void onTaskEvent(String subject, ObjectNode e, Instant now) {
        String uuid = text(e, "uuid");
        if (uuid == null) {
            return;
        }
        double ts = number(e, "timestamp");
        String hostname = text(e, "hostname");
        if ("sent".equals(subject)) {
            // Published by the producer (task_send_sent_event): no worker involved.
            TaskRecord t = taskFor(uuid);
            t.name = firstNonNull(text(e, "name"), t.name);
            t.queue = firstNonNull(text(e, "routing_key"), firstNonNull(text(e, "queue"), t.queue));
            t.sentAt = ts;
            return;
        }
        State next = switch (subject) {
            case "received" -> State.RECEIVED;
            case "started" -> State.STARTED;
            case "succeeded" -> State.SUCCEEDED;
            case "failed" -> State.FAILED;
            case "revoked" -> State.REVOKED;
            case "rejected" -> State.REJECTED;
            case "retried" -> State.RETRIED;
            default -> null; // custom task events carry no state we track
        };
        if (next == null || hostname == null) {
            return;
        }
        WorkerRecord w = workers.get(hostname);
        if (w == null) {
            w = new WorkerRecord(hostname, now); // not alive until it sends a heartbeat
            workers.put(hostname, w);
        } else if (w.online && w.freq != null) {
            w.heartbeat(now);
        }
        TaskRecord t = taskFor(uuid);
        t.recordTimes(next, e, ts);
        if (!t.accepts(next, hostname, ts)) {
            return;
        }
        transition(t, next, hostname, ts, now);
    }

    private void transition(TaskRecord t, State next, String hostname, double ts, Instant now) {
        if (t.state == State.STARTED && t.hostname != null) {
            WorkerRecord previous = workers.get(t.hostname);
            if (previous != null) {
                previous.running.remove(t.uuid);
            }
        }
        t.state = next;
        t.hostname = hostname;
        t.stateTimestamp = ts;
        WorkerRecord w = workers.get(hostname);
        if (next == State.STARTED) {
            w.running.add(t.uuid);
        } else if (next == State.SUCCEEDED) {
            w.succeeded++;
        } else if (next == State.FAILED) {
            w.failed++;
        }
        if (next.isFinal()) {
            liveTasks.remove(t.uuid);
            finishedTasks.remove(t.uuid);
            t.finishedLocal = now;
            finishedTasks.put(t.uuid, t);
            evictBeyondCap(finishedTasks);
        }
    }

    private TaskRecord taskFor(String uuid) {
        TaskRecord t = liveTasks.get(uuid);
        if (t == null) {
            t = finishedTasks.get(uuid);
        }
        if (t == null) {
            t = new TaskRecord(uuid);
            liveTasks.put(uuid, t);
            evictBeyondCap(liveTasks);
        }
        return t;
    }

    private void evictBeyondCap(LinkedHashMap<String, TaskRecord> map) {
        Iterator<TaskRecord> it = map.values().iterator();
        while (map.size() > maxTasks && it.hasNext()) {
            TaskRecord oldest = it.next();
            it.remove();
            if (oldest.state == State.STARTED && oldest.hostname != null) {
                WorkerRecord w = workers.get(oldest.hostname);
                if (w != null) {
                    w.running.remove(oldest.uuid);
                }
            }
        }
    }

    /** A worker that left takes its unfinished tasks with it (reserved ones go back to the queue). */
    private void dropTasksOf(WorkerRecord w) {
        w.running.clear();
        liveTasks.values().removeIf(t -> w.hostname.equals(t.hostname));
    }

    private void prune(Instant now) {
        lastPrune = now;
        Iterator<WorkerRecord> it = workers.values().iterator();
        while (it.hasNext()) {
            WorkerRecord w = it.next();
            Instant goneSince = w.goneSince(now);
            if (goneSince != null && goneSince.plus(forgetWorkersAfter).isBefore(now)) {
                it.remove();
                dropTasksOf(w);
            }
        }
        Iterator<TaskRecord> tasks = finishedTasks.values().iterator();
        while (tasks.hasNext()) {
            TaskRecord t = tasks.next();
            if (!t.finishedLocal.plus(keepFinishedTasks).isBefore(now)) {
                break; // in finishing order: the rest are younger
            }
            tasks.remove();
        }
    }

    private static void warnDrift(WorkerRecord w, Instant now, double ts) {
        double drift = Math.abs(now.toEpochMilli() / 1000.0 - ts);
        if (drift > DRIFT_WARN_SECONDS && !w.driftWarned) {
            w.driftWarned = true;
            LOG.warn("celery worker {}: its clock is {} s off ours; liveness uses receive time, so it is "
                    + "unaffected, but task timestamps from it are skewed", w.hostname, Math.round(drift));
        }
    }

    static String text(JsonNode e, String field) {
        JsonNode n = e.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    static double number(JsonNode e, String field) {
        JsonNode n = e.get(field);
        return n != null && n.isNumber() ? n.asDouble() : Double.NaN;
    }

    private static <T> T firstNonNull(T a, T b) {
        return a != null ? a : b;
    }

    static Instant epoch(double seconds) {
        if (Double.isNaN(seconds)) {
            return null;
        }
        // Celery's timestamps come from time.time(): microseconds are all the precision there is.
        long micros = Math.round(seconds * 1e6);
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    // ---------------------------------------------------------------- records

    private static final class WorkerRecord {
        final String hostname;
        final Instant firstSeen;
        final Set<String> running = new LinkedHashSet<>();
        boolean online = true;
        Instant lastHeartbeat;
        Instant offlineAt;
        double offlineTimestamp = Double.NaN;
        double fieldsTimestamp = Double.NaN;
        Long pid;
        Double freq;
        Integer active;
        Long processed;
        String swIdent;
        String swVersion;
        long succeeded;
        long failed;
        long heartbeats;
        boolean driftWarned;

        WorkerRecord(String hostname, Instant firstSeen) {
            this.hostname = hostname;
            this.firstSeen = firstSeen;
        }

        /** Takes pid, freq, active... unless an event with a later worker timestamp already set them. */
        void applyFields(JsonNode e, double ts) {
            if (!Double.isNaN(fieldsTimestamp) && !Double.isNaN(ts) && ts < fieldsTimestamp) {
                return;
            }
            if (!Double.isNaN(ts)) {
                fieldsTimestamp = ts;
            }
            if (e.hasNonNull("pid")) {
                pid = e.get("pid").asLong();
            }
            if (e.path("freq").isNumber()) {
                freq = e.get("freq").asDouble();
            }
            if (e.path("active").isNumber()) {
                active = e.get("active").asInt();
            }
            if (e.path("processed").isNumber()) {
                processed = e.get("processed").asLong();
            }
            swIdent = firstNonNull(text(e, "sw_ident"), swIdent);
            swVersion = firstNonNull(text(e, "sw_ver"), swVersion);
        }

        void heartbeat(Instant receivedAt) {
            if (lastHeartbeat == null || receivedAt.isAfter(lastHeartbeat)) {
                lastHeartbeat = receivedAt;
            }
        }

        Instant heartbeatExpires() {
            if (lastHeartbeat == null || freq == null) {
                return null;
            }
            double period = Math.min(freq, MAX_HEARTBEAT_FREQ_SECONDS);
            return lastHeartbeat.plusNanos(Math.round(period * HEARTBEAT_EXPIRE_FACTOR * 1e9));
        }

        boolean isAlive(Instant now) {
            Instant expires = heartbeatExpires();
            return online && expires != null && now.isBefore(expires);
        }

        /** Since when the worker is gone (offline or expired), or null while alive. */
        Instant goneSince(Instant now) {
            if (!online) {
                return offlineAt;
            }
            Instant expires = heartbeatExpires();
            if (expires == null) {
                return lastHeartbeat != null ? lastHeartbeat : firstSeen;
            }
            return now.isBefore(expires) ? null : expires;
        }

        CeleryWorkerState snapshot(Instant now) {
            return new CeleryWorkerState(hostname, isAlive(now), online, pid, freq, active, processed, swIdent,
                    swVersion, lastHeartbeat, heartbeatExpires(), offlineAt, Set.copyOf(running), succeeded,
                    failed, heartbeats);
        }
    }

    private static final class TaskRecord {
        final String uuid;
        State state = State.PENDING;
        String hostname;
        double stateTimestamp = Double.NaN;
        String name;
        String queue;
        double sentAt = Double.NaN;
        double receivedAt = Double.NaN;
        double startedAt = Double.NaN;
        double finishedAt = Double.NaN;
        Double runtime;
        Instant finishedLocal;

        TaskRecord(String uuid) {
            this.uuid = uuid;
        }

        /**
         * Whether {@code next} moves the task forward (Celery's precedence, simplified): final
         * states are final; after a retry only a newer event (the next attempt) counts; otherwise
         * a state never goes back, except when another worker picks the task up later (redelivery).
         */
        boolean accepts(State next, String fromHost, double ts) {
            if (state.isFinal()) {
                return false;
            }
            if (state == State.PENDING) {
                return true;
            }
            if (state == State.RETRIED) {
                return Double.isNaN(stateTimestamp) || Double.isNaN(ts) || ts > stateTimestamp;
            }
            if (next == State.RETRIED || next.isFinal()) {
                return true;
            }
            boolean newer = !Double.isNaN(ts) && !Double.isNaN(stateTimestamp) && ts > stateTimestamp;
            if (!fromHost.equals(hostname) && newer) {
                return true; // redelivered to another worker after the first one died
            }
            return next.ordinal() >= state.ordinal();
        }

        /** Keeps the facts of each event (as Celery's merge rules do), even when its state is stale. */
        void recordTimes(State next, JsonNode e, double ts) {
            switch (next) {
                case RECEIVED -> {
                    receivedAt = ts;
                    name = firstNonNull(text(e, "name"), name);
                }
                case STARTED -> startedAt = ts;
                case SUCCEEDED, FAILED, REVOKED, REJECTED -> {
                    if (Double.isNaN(finishedAt)) {
                        finishedAt = ts;
                    }
                    if (e.path("runtime").isNumber()) {
                        runtime = e.get("runtime").asDouble();
                    }
                }
                default -> {
                }
            }
        }

        CeleryTaskState snapshot() {
            return new CeleryTaskState(uuid, name, state, hostname, queue, epoch(sentAt), epoch(receivedAt),
                    epoch(startedAt), epoch(finishedAt), runtime);
        }
    }
}
