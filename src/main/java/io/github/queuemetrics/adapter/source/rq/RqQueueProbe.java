package io.github.queuemetrics.adapter.source.rq;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The Redis commands for one queue, split over the source's two pipelined round trips, and how
 * their replies become {@link RqQueueCounts}.
 *
 * <p>Where a job is during its life (rq 2.10 source; 1.13 has no intermediate list):
 * <ol>
 *   <li>{@code rq:queue:Q}: waiting; any worker may take it. Counted as ready.</li>
 *   <li>2.x single-queue worker: {@code BLMOVE} into {@code rq:queue:Q:intermediate}. From here
 *       only that worker will run it (if it dies, RQ's maintenance fails the job after a minute;
 *       it is not requeued), so it is no longer "waiting": it is delivered but not started,
 *       i.e. unacked. Multi-queue workers and 1.x use LPOP/BLPOP and skip this step.</li>
 *   <li>The worker adds an execution to {@code rq:wip:Q} (2.x: before forking; 1.x: in the
 *       work horse), and only afterwards the horse removes the intermediate entry (LREM, in the
 *       same transaction that sets status=started). During that window the job is in both
 *       places: it is counted once, as running, because intermediate entries whose job id is in
 *       the registry are skipped.</li>
 *   <li>On completion the execution leaves {@code rq:wip:Q} and the job enters
 *       {@code rq:finished:Q} or {@code rq:failed:Q}.</li>
 * </ol>
 * An intermediate entry that is not in the registry counts as unacked only while its job hash
 * says {@code status=queued}: entries left behind by a crashed work horse belong to jobs that
 * already ended and must not keep workers scaled up until RQ's maintenance removes them.
 *
 * <p>Known blind spots: in 1.x a job is in neither list between the BLPOP and the horse's
 * registry write (milliseconds, while forking), so it can be missed by one poll; and a job
 * re-enqueued while an abandoned execution of it is still unexpired would count as ready and
 * running at once (RQ itself only requeues after expiry).
 */
final class RqQueueProbe {

    private final String queue;
    private Response<Long> ready;
    private Response<String> head;
    private Response<List<String>> intermediate;
    private Response<List<String>> wip;
    private Response<Long> finishedOld;
    private Response<Long> failedOld;
    private Response<Long> finishedNew;
    private Response<Long> failedNew;

    private Response<List<String>> headTimes;
    private String headId;
    private String ageProblem;
    private final Map<String, Response<String>> claimedStatus = new LinkedHashMap<>();
    private final Set<String> runningJobs = new HashSet<>();

    RqQueueProbe(String queue) {
        this.queue = queue;
    }

    String queue() {
        return queue;
    }

    /**
     * Round one: the counts.
     *
     * @param now        lower bound (exclusive) of live StartedJobRegistry scores
     * @param oldHorizon previous completion horizon, or null when there is none to compare with
     * @param newHorizon completion horizon for the next poll
     */
    void requestCounts(Pipeline p, String now, String oldHorizon, String newHorizon) {
        ready = p.llen(RqKeys.queue(queue));
        head = p.lindex(RqKeys.queue(queue), 0);
        intermediate = p.lrange(RqKeys.intermediate(queue), 0, -1);
        // only the members still alive: an expired score is an abandoned job awaiting RQ's cleanup
        wip = p.zrangeByScore(RqKeys.wip(queue), "(" + now, "+inf");
        if (oldHorizon != null) {
            finishedOld = p.zcount(RqKeys.finished(queue), "(" + oldHorizon, "+inf");
            failedOld = p.zcount(RqKeys.failed(queue), "(" + oldHorizon, "+inf");
        }
        finishedNew = p.zcount(RqKeys.finished(queue), "(" + newHorizon, "+inf");
        failedNew = p.zcount(RqKeys.failed(queue), "(" + newHorizon, "+inf");
    }

    /**
     * Round two, after round one's replies are in: the head job's timestamps, and the status of
     * intermediate entries that are not running. Returns true when it queued any command.
     */
    boolean requestDetails(Pipeline p) {
        for (String member : wip.get()) {
            runningJobs.add(RqWipMember.jobId(member));
        }
        boolean queued = false;
        headId = head.get();
        if (headId != null) {
            headTimes = p.hmget(RqKeys.job(headId), "enqueued_at", "created_at");
            queued = true;
        }
        for (String jobId : intermediate.get()) {
            if (!runningJobs.contains(jobId) && !claimedStatus.containsKey(jobId)) {
                claimedStatus.put(jobId, p.hget(RqKeys.job(jobId), "status"));
                queued = true;
            }
        }
        return queued;
    }

    /** The counts, once both rounds are in. */
    RqQueueCounts result(Instant now) {
        long unacked = claimedStatus.values().stream().filter(RqQueueProbe::stillQueued).count();
        return new RqQueueCounts(ready.get(), unacked, runningJobs.size(), oldestAge(now),
                finishedOld == null ? null : new RqQueueFlow.RegistryCounts(finishedOld.get(), failedOld.get()),
                new RqQueueFlow.RegistryCounts(finishedNew.get(), failedNew.get()));
    }

    /**
     * True while a claimed job's status says queued. A job key that is not a hash (foreign or
     * corrupt data) has no readable status: it is counted, since only a status that says the job
     * ended may take it out, and one bad key must not fail the whole source.
     */
    private static boolean stillQueued(Response<String> status) {
        try {
            return "queued".equals(status.get());
        } catch (JedisDataException notAHash) {
            return true;
        }
    }

    /**
     * Why the head job gave no age (for a warning), or null. Only meaningful after {@link #result}.
     */
    String ageProblem() {
        return ageProblem;
    }

    /**
     * The head job's age. A timestamp that cannot be used (unparsable, out of range, or the job
     * key is not a hash) makes this queue's age absent and is reported by {@link #ageProblem()}:
     * one job written by a foreign or broken client must not fail the whole source.
     */
    private OptionalDouble oldestAge(Instant now) {
        if (headTimes == null) {
            return OptionalDouble.of(0); // nothing waiting
        }
        List<String> times;
        try {
            times = headTimes.get();
        } catch (JedisDataException notAHash) {
            ageProblem = "head job key " + RqKeys.job(headId) + " is not a hash (" + notAHash.getMessage() + ")";
            return OptionalDouble.empty();
        }
        for (String raw : times) {
            var at = RqTimestamps.parse(raw);
            if (at.isPresent()) {
                try {
                    double seconds = Duration.between(at.get(), now).toMillis() / 1000.0;
                    return OptionalDouble.of(Math.max(0, seconds)); // a worker clock ahead of ours is not a negative age
                } catch (ArithmeticException farAway) {
                    // centuries away: as unusable as an unparsable one; try the next field
                }
            }
        }
        if (times.stream().anyMatch(t -> t != null)) {
            ageProblem = "head job " + headId + " has no usable enqueued_at/created_at: " + abbreviate(times);
        }
        return OptionalDouble.empty(); // a job id without a (readable) hash: unknown, not 0
    }

    private static String abbreviate(List<String> values) {
        String text = values.toString();
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
}
