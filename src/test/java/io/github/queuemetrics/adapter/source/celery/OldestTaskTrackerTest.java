package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OldestTaskTrackerTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1000 * SECOND);
    private final OldestTaskTracker tracker = new OldestTaskTracker(now::get);
    private final QueueListsReader.Plan plan = new QueueListsReader.Plan(List.of("a", "b"),
            new CeleryRedisKeys(List.of(0, 9), "\u0006\u0016", ""));

    private static byte[] h(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Heads of a, a:9, b, b:9. */
    private double[] poll(String a0, String a9, String b0, String b9) {
        tracker.use(plan);
        return tracker.update(new QueueListsReader.Lists(new long[4], new byte[][] {h(a0), h(a9), h(b0), h(b9)}));
    }

    @Test
    void agesTheSameHeadAcrossPollsAndRestartsWhenItChanges() {
        assertThat(poll("m1", null, null, null)).containsExactly(0, 0);
        now.addAndGet(5 * SECOND);
        assertThat(poll("m1", null, null, null)).containsExactly(5, 0);
        now.addAndGet(3 * SECOND);
        assertThat(poll("m2", null, null, null)).containsExactly(0, 0); // m1 was consumed
        now.addAndGet(2 * SECOND);
        assertThat(poll("m2", null, null, null)).containsExactly(2, 0);
    }

    @Test
    void queueAgeIsTheOldestOfItsPriorityLists() {
        poll("m1", null, "x", null);
        now.addAndGet(4 * SECOND);
        poll("m1", "p9", "x", "y");
        now.addAndGet(6 * SECOND);
        assertThat(poll("m1", "p9", "x", "y")).containsExactly(10, 10);
        assertThat(poll(null, "p9", null, "y")).containsExactly(6, 6);
    }

    @Test
    void anEmptiedListForgetsItsHead() {
        poll("m1", null, null, null);
        now.addAndGet(5 * SECOND);
        assertThat(poll(null, null, null, null)).containsExactly(0, 0);
        now.addAndGet(5 * SECOND);
        // the same bytes again are a new arrival (e.g. a restored message): aged from now
        assertThat(poll("m1", null, null, null)).containsExactly(0, 0);
    }

    /** List a of {@code length} elements with head {@code head}, the other lists empty. */
    private double[] pollA(long length, String head) {
        tracker.use(plan);
        return tracker.update(new QueueListsReader.Lists(new long[] {length, 0, 0, 0},
                new byte[][] {h(head), null, null, null}));
    }

    @Test
    void aHeadIsKnownWhileItsLengthHoldsAndIsReadAgainOnItsTurnOfTheRotation() {
        tracker.use(plan);
        assertThat(tracker.knownHead(0, 3)).as("never read").isNull();
        pollA(3, "m1");
        assertThat(tracker.knownHead(0, 4)).as("the length changed").isNull();
        assertThat(tracker.knownHead(0, 2)).as("the length changed").isNull();
        int turns = 0;
        for (int poll = 0; poll < 2 * OldestTaskTracker.RECHECK_POLLS; poll++) {
            byte[] known = tracker.knownHead(0, 3);
            if (known == null) {
                turns++;
            } else {
                assertThat(known).isEqualTo(h("m1"));
            }
            pollA(3, "m1");
        }
        assertThat(turns).as("reads in two rotations").isEqualTo(2);
    }

    @Test
    void aLongerListWithTheSameHeadKeepsItsAgeAndItsNewLength() {
        pollA(3, "m1");
        now.addAndGet(4 * SECOND);
        assertThat(pollA(5, "m1")).containsExactly(4, 0); // two tasks arrived behind the oldest
        byte[] known = tracker.knownHead(0, 5);
        if (known == null) { // its turn of the rotation: the next poll is not
            pollA(5, "m1");
            known = tracker.knownHead(0, 5);
        }
        assertThat(known).isEqualTo(h("m1"));
        assertThat(tracker.knownHead(0, 3)).isNull();
    }

    @Test
    void aNewPlanKeepsWhatIsKnownOfTheListsItStillHas() {
        poll("m1", null, "x", null);
        now.addAndGet(3 * SECOND);
        QueueListsReader.Plan onlyB = new QueueListsReader.Plan(List.of("b"),
                new CeleryRedisKeys(List.of(0, 9), "\u0006\u0016", ""));
        tracker.use(onlyB);
        assertThat(tracker.update(new QueueListsReader.Lists(new long[2], new byte[][] {h("x"), null})))
                .containsExactly(3); // b's head moved from index 2 to 0 with its first sighting
        tracker.use(plan);
        now.addAndGet(SECOND);
        assertThat(poll("m1", null, "x", null)).as("a was forgotten while not polled").containsExactly(0, 4);
    }
}
