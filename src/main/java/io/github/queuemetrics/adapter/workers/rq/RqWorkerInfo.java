package io.github.queuemetrics.adapter.workers.rq;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one poll read about one RQ worker: its {@code rq:worker:<name>} hash, whether it is a member
 * of {@code rq:workers}, the key's remaining TTL, and (rq master, after 2.10) the members of
 * {@code rq:worker:<name>:executions}. Immutable.
 *
 * <p>RQ 1.x and 2.x up to 2.10 name the running job in the hash field {@code current_job}; rq
 * master drops that field for the set {@code rq:worker:<name>:executions} whose members are
 * {@code <job_id>:<execution_id>}. {@link #currentJobs()} holds whichever the worker wrote.
 *
 * @param name                  worker name (the key without {@code rq:worker:})
 * @param registered            member of {@code rq:workers}
 * @param hashPresent           the hash exists (it expires when heartbeats stop)
 * @param keyTtlMillis          PTTL of the hash at {@code readAt}: {@code -1} no expiry, {@code -2} missing
 * @param readAt                when the pipeline answered (adapter clock)
 * @param currentJobs           {@code current_job} (1.x/2.x) or the executions set members (master)
 * @param executionsLayout      true when the jobs came from the executions set (rq master layout)
 */
public record RqWorkerInfo(
        String name,
        boolean registered,
        boolean hashPresent,
        long keyTtlMillis,
        Instant readAt,
        List<String> queues,
        String state,
        Set<String> currentJobs,
        boolean executionsLayout,
        Instant lastHeartbeat,
        Instant birth,
        Instant death,
        Instant shutdownRequested,
        long successfulJobCount,
        long failedJobCount,
        double totalWorkingTimeSeconds,
        Long pid,
        String hostname,
        String version) {

    /** Key prefix of worker hashes; {@code rq:workers} holds full keys. */
    public static final String KEY_PREFIX = "rq:worker:";
    public static final String STATE_BUSY = "busy";
    public static final String STATE_SUSPENDED = "suspended";

    /** Hash fields this adapter reads (HGETALL returns them and a few more). */
    public static final List<String> FIELDS = List.of("name", "queues", "state", "current_job", "last_heartbeat",
            "birth", "death", "shutdown_requested_date", "successful_job_count", "failed_job_count",
            "total_working_time", "pid", "hostname", "version");

    public RqWorkerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(readAt, "readAt");
        queues = List.copyOf(queues);
        currentJobs = Set.copyOf(currentJobs);
    }

    /**
     * Builds the record from what Redis answered. {@code hash} is the HGETALL reply (empty when the
     * key does not exist), {@code executions} the SMEMBERS reply of the executions set (empty on
     * 1.x/2.x). Unparseable fields become "unknown" (null / 0) rather than failing the whole poll.
     */
    public static RqWorkerInfo fromRedis(String name, boolean registered, Map<String, String> hash, long pttlMillis,
            Collection<String> executions, Instant readAt) {
        boolean present = hash != null && !hash.isEmpty();
        Map<String, String> h = present ? hash : Map.of();
        Set<String> jobs = new TreeSet<>();
        boolean executionsLayout = executions != null && !executions.isEmpty();
        if (executionsLayout) {
            jobs.addAll(executions);
        }
        String currentJob = blankToNull(h.get("current_job"));
        if (currentJob != null) {
            jobs.add(currentJob);
        }
        return new RqWorkerInfo(name, registered, present, present ? pttlMillis : -2, readAt,
                splitQueues(h.get("queues")), blankToNull(h.get("state")), jobs, executionsLayout,
                parseTime(h.get("last_heartbeat")), parseTime(h.get("birth")), parseTime(h.get("death")),
                parseTime(h.get("shutdown_requested_date")), parseLong(h.get("successful_job_count")),
                parseLong(h.get("failed_job_count")), parseDouble(h.get("total_working_time")),
                parseLongOrNull(h.get("pid")), blankToNull(h.get("hostname")), blankToNull(h.get("version")));
    }

    /** Executing a job: state {@code busy} or a current job / execution recorded. */
    public boolean busy() {
        return STATE_BUSY.equals(state) || !currentJobs.isEmpty();
    }

    public boolean consumes(String queue) {
        return queues.contains(queue);
    }

    /** When the hash expires (adapter clock), if it has an expiry. */
    public Optional<Instant> expiresAt() {
        return keyTtlMillis >= 0 ? Optional.of(readAt.plusMillis(keyTtlMillis)) : Optional.empty();
    }

    /** Age of the last heartbeat at {@code now}, when the worker wrote one. */
    public Optional<Duration> heartbeatAge(Instant now) {
        return lastHeartbeat == null ? Optional.empty() : Optional.of(Duration.between(lastHeartbeat, now));
    }

    static List<String> splitQueues(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * RQ writes UTC as {@code 2026-11-23T19:35:20.880237Z} ({@code utcformat}); older releases
     * wrote the same without the zone or with fewer fraction digits.
     */
    public static Instant parseTime(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(v.endsWith("Z") ? v.substring(0, v.length() - 1) : v)
                        .toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static long parseLong(String value) {
        Long v = parseLongOrNull(value);
        return v == null ? 0 : v;
    }

    private static Long parseLongOrNull(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(value.trim());
            } catch (NumberFormatException e2) {
                return null;
            }
        }
    }

    private static double parseDouble(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
