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
 * <p>Not thread-safe: one source polls serially.
 */
final class OldestTaskTracker {

    private record Sighting(byte[] head, long firstSeenNanos) {
    }

    private final LongSupplier nanoClock;
    private Map<String, Sighting> sightings = new HashMap<>();

    OldestTaskTracker(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * Records one successful poll and returns the age in seconds per queue (index of the plan).
     * Lists no longer polled are forgotten.
     */
    double[] update(QueueListsReader.Plan plan, QueueListsReader.Lists lists) {
        long now = nanoClock.getAsLong();
        Map<String, Sighting> next = new HashMap<>(Math.max(16, sightings.size() * 2));
        double[] ages = new double[plan.queueCount()];
        for (int q = 0; q < plan.queueCount(); q++) {
            double age = 0;
            for (int l = plan.firstList[q]; l < plan.firstList[q + 1]; l++) {
                byte[] head = lists.heads()[l];
                if (head == null) {
                    continue;
                }
                String key = plan.listKeys[l];
                Sighting seen = sightings.get(key);
                if (seen == null || !QueueListsReader.sameHead(seen.head(), head)) {
                    seen = new Sighting(head, now);
                }
                next.put(key, seen);
                age = Math.max(age, (now - seen.firstSeenNanos()) / 1e9);
            }
            ages[q] = age;
        }
        sightings = next;
        return ages;
    }
}
