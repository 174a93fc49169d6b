package io.github.queuemetrics.adapter.workers.celery;

import java.time.Instant;

/**
 * What the events said about one Celery worker, as of its last event. Immutable: the registry
 * replaces it whole on each event, so readers (probes, pollers) never lock. Fields a worker has not
 * reported yet are null (a worker known only from task events has no {@code freq}).
 *
 * @param online        false once a {@code worker-offline} arrived (warm shutdown)
 * @param active        executing requests, from the last heartbeat
 * @param processed     tasks the worker accepted in its life, from the last heartbeat
 * @param lastHeartbeat local time the last worker event (or task event) was received
 * @param heartbeats    worker events counted as heartbeats (online + heartbeat)
 */
public record CeleryWorkerState(String nodename, boolean online, Long pid, Double freq, Integer active,
                                Long processed, Instant lastHeartbeat, Instant offlineAt, long heartbeats) {

    /** Celery's HEARTBEAT_EXPIRE_WINDOW (200%): alive for two heartbeat periods after the last one. */
    public static final double HEARTBEAT_EXPIRE_FACTOR = 2.0;
    /**
     * The largest heartbeat period believed, in seconds: a worker's {@code freq} above it counts as
     * 60 s (Celery's default is 2 s). Anyone who can publish to the event exchange could otherwise
     * keep a phantom worker alive for as long as the {@code freq} it claims.
     */
    public static final double MAX_HEARTBEAT_FREQ_SECONDS = 60;

    /** {@code lastHeartbeat + 2 * min(freq, 60 s)}; null without a heartbeat or a known {@code freq}. */
    public Instant heartbeatExpires() {
        if (lastHeartbeat == null || freq == null) {
            return null;
        }
        double period = Math.min(freq, MAX_HEARTBEAT_FREQ_SECONDS);
        return lastHeartbeat.plusNanos(Math.round(period * HEARTBEAT_EXPIRE_FACTOR * 1e9));
    }

    /** Celery's rule: online, and {@code now < lastHeartbeat + freq * 2}. */
    public boolean aliveAt(Instant now) {
        Instant expires = heartbeatExpires();
        return online && expires != null && now.isBefore(expires);
    }
}
