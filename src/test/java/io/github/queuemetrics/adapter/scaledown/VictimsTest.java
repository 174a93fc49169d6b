package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VictimsTest {

    @Test
    void highestOrdinalsFirst() {
        assertThat(Victims.statefulSet("wk", 0, 3, 2)).containsExactly("wk-2");
        assertThat(Victims.statefulSet("wk", 0, 5, 2)).containsExactly("wk-4", "wk-3", "wk-2");
        assertThat(Victims.statefulSet("wk", 0, 3, 0)).containsExactly("wk-2", "wk-1", "wk-0");
    }

    @Test
    void ordinalsStartShiftsTheRange() {
        // spec.ordinals.start: 5 with 3 replicas is wk-5, wk-6, wk-7.
        assertThat(Victims.statefulSet("wk", 5, 3, 1)).containsExactly("wk-7", "wk-6");
        assertThat(Victims.statefulSet("wk", 5, 3, 0)).containsExactly("wk-7", "wk-6", "wk-5");
    }

    @Test
    void noVictimsUnlessTheCountDrops() {
        assertThat(Victims.statefulSet("wk", 0, 2, 2)).isEmpty();
        assertThat(Victims.statefulSet("wk", 0, 2, 5)).isEmpty();
    }

    @Test
    void ordinalOfAPodName() {
        assertThat(Victims.ordinal("wk", "wk-12")).isEqualTo(12);
        assertThat(Victims.ordinal("wk", "wk-0")).isZero();
        // the pods of StatefulSet "wk-a" are not pods of "wk"
        assertThat(Victims.ordinal("wk", "wk-a-1")).isEqualTo(-1);
        assertThat(Victims.ordinal("wk", "wk-")).isEqualTo(-1);
        assertThat(Victims.ordinal("wk", "other-1")).isEqualTo(-1);
        assertThat(Victims.ordinal("wk", "wk-99999999999")).isEqualTo(-1);
    }
}
