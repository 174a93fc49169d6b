package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a read of the pod cache may follow a write of the hook's: once the write's version is back. */
class PodWritesTest {

    static Pod pod(String namespace, String name, String version) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(version).endMetadata().build();
    }

    @Test
    void aWriteIsPendingUntilTheCacheHoldsItsVersion() {
        PodWrites writes = new PodWrites();
        assertThat(writes.allSeen("ns", List.of())).isTrue();
        writes.wrote(pod("ns", "wk-0", "5"));

        assertThat(writes.allSeen("ns", List.of(pod("ns", "wk-0", "4")))).isFalse();
        assertThat(writes.allSeen("other", List.of())).isTrue(); // another namespace's reads are not held
        assertThat(writes.allSeen("ns", List.of(pod("ns", "wk-0", "5")))).isTrue();
        assertThat(writes.allSeen("ns", List.of(pod("ns", "wk-0", "4")))).isTrue(); // seen once is enough
    }

    @Test
    void theWatchDeliveringTheVersionOrTheDeletionEndsIt() {
        PodWrites writes = new PodWrites();
        writes.wrote(pod("ns", "wk-0", "5"));
        writes.wrote(pod("ns", "wk-1", "7"));

        writes.onUpdate(pod("ns", "wk-0", "4"), pod("ns", "wk-0", "5"));
        assertThat(writes.allSeen("ns", List.of())).isFalse(); // wk-1 still on its way
        writes.onUpdate(pod("ns", "wk-1", "6"), pod("ns", "wk-1", "6"));
        assertThat(writes.allSeen("ns", List.of())).isFalse(); // an older version is not the write
        writes.onDelete(pod("ns", "wk-1", "6"), false);
        assertThat(writes.allSeen("ns", List.of())).isTrue();
    }

    @Test
    void aWriteTheWatchNeverDeliversIsGivenUpAfterThePatience() throws InterruptedException {
        PodWrites writes = new PodWrites(1_000_000L);
        writes.wrote(pod("ns", "wk-0", "5"));
        Thread.sleep(20);
        assertThat(writes.allSeen("ns", List.of(pod("ns", "wk-0", "9")))).isTrue();
    }
}
