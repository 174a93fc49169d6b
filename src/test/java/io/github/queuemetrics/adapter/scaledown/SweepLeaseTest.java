package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two adapter replicas against fabric8's mock API server (CRUD): only the one holding the Lease
 * sweeps; when it stops, the other takes over. Timings shortened (whole seconds: the Lease keeps
 * leaseDurationSeconds; fabric8 requires lease > renew deadline > 1.2 x retry).
 */
@EnableKubernetesMockClient(crud = true)
class SweepLeaseTest {

    static KubernetesClient client;
    static final SweepLease.Timing FAST = new SweepLease.Timing(Duration.ofSeconds(3), Duration.ofSeconds(2),
            Duration.ofMillis(500));

    @Test
    void onlyTheHolderSweepsAndTheOtherTakesOverWhenItStops() {
        AtomicInteger sweptA = new AtomicInteger();
        AtomicInteger sweptB = new AtomicInteger();
        AtomicInteger firstPasses = new AtomicInteger();
        SweepLease a = new SweepLease(client, "queue-metrics", "adapter-a", FAST, firstPasses::incrementAndGet);
        SweepLease b = new SweepLease(client, "queue-metrics", "adapter-b", FAST, firstPasses::incrementAndGet);
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
        try {
            // The module's periodic pass: sweep only while leading.
            timers.scheduleAtFixedRate(() -> {
                if (a.leading()) {
                    sweptA.incrementAndGet();
                }
                if (b.leading()) {
                    sweptB.incrementAndGet();
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            a.start();
            await().atMost(Duration.ofSeconds(10)).until(a::leading);
            b.start();
            int bBefore = sweptB.get();
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
            assertThat(b.leading()).isFalse();
            assertThat(sweptB.get()).isEqualTo(bBefore).isZero();
            assertThat(sweptA.get()).isPositive();
            Lease lease = client.leases().inNamespace("queue-metrics").withName(SweepLease.NAME).get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("adapter-a");

            a.close();
            await().atMost(Duration.ofSeconds(10)).until(b::leading);
            int aAfter = sweptA.get();
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
            assertThat(sweptA.get()).isEqualTo(aAfter);
            assertThat(sweptB.get()).isPositive();
            assertThat(client.leases().inNamespace("queue-metrics").withName(SweepLease.NAME).get().getSpec()
                    .getHolderIdentity()).isEqualTo("adapter-b");
            assertThat(firstPasses.get()).isEqualTo(2);
        } finally {
            timers.shutdownNow();
            a.close();
            b.close();
        }
    }

    @Test
    void theNamespaceComesFromTheDownwardApiElseTheClient() {
        assertThat(SweepLease.namespace(Map.of("POD_NAMESPACE", "qm"), client)).isEqualTo("qm");
        assertThat(SweepLease.namespace(Map.of(), client)).isEqualTo(client.getNamespace());
        assertThat(SweepLease.identity(Map.of("POD_NAME", "qma-7f9-x"))).startsWith("qma-7f9-x-");
        assertThat(List.of(SweepLease.identity(Map.of()), SweepLease.identity(Map.of()))).doesNotHaveDuplicates();
    }
}
