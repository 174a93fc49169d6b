package io.github.queuemetrics.adapter.source.celery;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Ages the oldest waiting task of each queue. Celery messages carry no enqueue time, so the
 * adapter remembers when it first saw each list's oldest element ({@code LINDEX key -1}) and
 * reports {@code now - firstSeen}. That is a lower bound: a task already waiting before the
 * adapter's first look (or while it was not polling) is aged from that first look. The age of a
 * queue is the largest over its priority lists (the oldest waiting task may sit in any of them);
 * a queue with every list empty is 0.
 *
 * <p>It also says which heads need reading at all ({@link #knownHead}). kombu LPUSHes and BRPOPs
 * from the right, so the oldest element only changes when an element is popped, and a pop changes
 * the length unless a push made up for it within the same poll interval. A list whose length did
 * not change keeps its head from the last read, and is read again on its turn of a rotation of
 * {@link #RECHECK_POLLS} polls, so a head replaced without a change in length (a queue turning over
 * at exactly its arrival rate) is noticed within that many polls; until then its age runs on from
 * the old head: too old, never too young. A list whose length changed is read at once. Idle lists,
 * the bulk of a 10,000-queue deployment, cost an LLEN per poll and a head read every
 * {@code RECHECK_POLLS} polls.
 *
 * <p>State is kept in arrays indexed like the plan's lists (no map look-up per list and poll: at
 * 40,000 lists those were a third of the poll's own CPU time), moved by key when the plan changes.
 *
 * <p>Not thread-safe: one source polls serially.
 */
final class OldestTaskTracker {

    /** A list reads its head again at least every this many polls, even when its length did not change. */
    static final int RECHECK_POLLS = 8;

    private record Sighting(byte[] head, long length, long firstSeenNanos) {
    }

    private final LongSupplier nanoClock;
    private QueueListsReader.Plan plan;
    /** Indexed like {@code plan.listKeys}; null for a list empty at the last poll (or never polled). */
    private Sighting[] sightings = new Sighting[0];
    /** A list's place in the rotation, from its key (so a plan change does not skip its turn). */
    private int[] turns = new int[0];
    private long polls;

    OldestTaskTracker(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Follows a new plan: what is known of a list moves with its key; lists no longer polled are forgotten. */
    void use(QueueListsReader.Plan next) {
        if (next == plan) {
            return;
        }
        Map<String, Sighting> byKey = new HashMap<>();
        for (int l = 0; l < sightings.length; l++) {
            if (sightings[l] != null) {
                byKey.put(plan.listKeys[l], sightings[l]);
            }
        }
        sightings = new Sighting[next.listKeys.length];
        turns = new int[next.listKeys.length];
        for (int l = 0; l < next.listKeys.length; l++) {
            sightings[l] = byKey.get(next.listKeys[l]);
            turns[l] = Math.floorMod(next.listKeys[l].hashCode(), RECHECK_POLLS);
        }
        plan = next;
    }

    /**
     * The head fingerprint of list {@code list} (an index of the plan's lists) from an earlier
     * poll, when it still holds for a list of {@code length} elements and this is not the list's
     * turn to be read again; null when the head must be read.
     */
    byte[] knownHead(int list, long length) {
        Sighting seen = sightings[list];
        if (seen == null || seen.length() != length || (turns[list] + polls) % RECHECK_POLLS == 0) {
            return null;
        }
        return seen.head();
    }

    /** Records one successful poll of the plan last {@link #use used} and returns the age in seconds per queue. */
    double[] update(QueueListsReader.Lists lists) {
        long now = nanoClock.getAsLong();
        double[] ages = new double[plan.queueCount()];
        for (int q = 0; q < plan.queueCount(); q++) {
            double age = 0;
            for (int l = plan.firstList[q]; l < plan.firstList[q + 1]; l++) {
                byte[] head = lists.heads()[l];
                if (head == null) {
                    sightings[l] = null;
                    continue;
                }
                Sighting seen = sightings[l];
                long length = lists.lengths()[l];
                if (seen == null || !QueueListsReader.sameHead(seen.head(), head)) {
                    seen = new Sighting(head, length, now);
                } else if (seen.length() != length) {
                    seen = new Sighting(head, length, seen.firstSeenNanos());
                }
                sightings[l] = seen;
                age = Math.max(age, (now - seen.firstSeenNanos()) / 1e9);
            }
            ages[q] = age;
        }
        polls++;
        return ages;
    }
}
