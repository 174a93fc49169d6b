package io.github.queuemetrics.adapter.source.rq;

import java.util.OptionalDouble;

/**
 * What one poll measured for one queue, before rates.
 *
 * @param ready            jobs in the queue list, waiting for any worker
 * @param unacked          jobs a worker has taken (RQ >= 1.16 intermediate list) but not started yet
 * @param running          distinct jobs in the StartedJobRegistry whose expiry is in the future
 * @param oldestAgeSeconds age of the job at the head of the queue list; 0 for an empty queue, empty
 *                         when the head job has no readable timestamp
 * @param atOldHorizon     finished/failed registry members beyond the previous horizon, or null
 * @param atNewHorizon     finished/failed registry members beyond the new horizon
 */
record RqQueueCounts(long ready, long unacked, long running, OptionalDouble oldestAgeSeconds,
                     RqQueueFlow.RegistryCounts atOldHorizon, RqQueueFlow.RegistryCounts atNewHorizon) {

    /** Every job not yet finished, each once (see {@link RqQueueProbe} for why they are disjoint). */
    long outstanding() {
        return ready + unacked + running;
    }
}
