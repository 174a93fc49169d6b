package io.github.queuemetrics.adapter.source.rq;

import java.util.Optional;

/** Redis key names of RQ (the same in 1.x and 2.x; see docs/reference broker-protocols §5). */
final class RqKeys {

    /** Set of every queue RQ knows; members are full keys {@code rq:queue:<name>}. */
    static final String QUEUES = "rq:queues";
    static final String QUEUE_PREFIX = "rq:queue:";

    private RqKeys() {
    }

    /** List of waiting job ids: RQ RPUSHes and LPOPs, so index 0 is the next (oldest) job. */
    static String queue(String queue) {
        return QUEUE_PREFIX + queue;
    }

    /** RQ >= 1.16 single-queue workers BLMOVE a job here before they start it. */
    static String intermediate(String queue) {
        return QUEUE_PREFIX + queue + ":intermediate";
    }

    /** StartedJobRegistry: zset scored by expiry (heartbeats push it forward). */
    static String wip(String queue) {
        return "rq:wip:" + queue;
    }

    /** FinishedJobRegistry: zset scored by end time + result_ttl. */
    static String finished(String queue) {
        return "rq:finished:" + queue;
    }

    /** FailedJobRegistry: zset scored by end time + failure_ttl. */
    static String failed(String queue) {
        return "rq:failed:" + queue;
    }

    static String job(String jobId) {
        return "rq:job:" + jobId;
    }

    /** Queue name of a member of {@link #QUEUES}, or empty for anything that is not a queue key. */
    static Optional<String> queueNameOf(String queuesMember) {
        if (queuesMember == null || !queuesMember.startsWith(QUEUE_PREFIX)
                || queuesMember.length() == QUEUE_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(queuesMember.substring(QUEUE_PREFIX.length()));
    }
}
