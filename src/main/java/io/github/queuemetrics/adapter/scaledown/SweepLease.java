package io.github.queuemetrics.adapter.scaledown;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lease that picks the one adapter replica that runs the undo sweep (fabric8 leader election on
 * a coordination.k8s.io/v1 Lease named {@link #NAME} in the adapter's namespace). The reviews and
 * pre-stop drains run on every replica (their steps are idempotent, the state is on the pods); the
 * sweep gives queues back and removes annotations, which two replicas could do twice for one pod.
 * Released on close, so another replica takes over at once rather than after the lease expires.
 * fabric8 runs the election on its own threads; {@link #leading()} is a flag read on any thread.
 */
final class SweepLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SweepLease.class);
    static final String NAME = "queue-metrics-adapter-scale-down";

    /** Lease timings: client-go's defaults for controllers (15 s lease, 10 s renew deadline, 2 s retries). */
    record Timing(Duration lease, Duration renewDeadline, Duration retry) {
        static final Timing DEFAULT = new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String identity;
    private final Timing timing;
    private final Runnable onLeading;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile CompletableFuture<?> election;
    private volatile LeaderElector elector;

    /** @param onLeading run (on fabric8's thread) when this replica becomes the leader: a first sweep at once */
    SweepLease(KubernetesClient client, String namespace, String identity, Timing timing, Runnable onLeading) {
        this.client = client;
        this.namespace = namespace;
        this.identity = identity;
        this.timing = timing;
        this.onLeading = onLeading;
    }

    /** The adapter's namespace: env POD_NAMESPACE (downward API), else the client's (service account, kubeconfig). */
    static String namespace(Map<String, String> env, KubernetesClient client) {
        String fromEnv = env.get("POD_NAMESPACE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return client.getNamespace() == null ? "default" : client.getNamespace();
    }

    /** POD_NAME (else the host name) and a random suffix: a restarted pod is a new holder. */
    static String identity(Map<String, String> env) {
        String name = env.get("POD_NAME");
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                name = "queue-metrics-adapter";
            }
        }
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    void start() {
        LeaderElector built = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(NAME)
                .withLock(new LeaseLock(namespace, NAME, identity))
                .withLeaseDuration(timing.lease()).withRenewDeadline(timing.renewDeadline())
                .withRetryPeriod(timing.retry())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> {
                    leading.set(true);
                    LOG.info("scale-down hook: {} holds Lease {}/{}: this replica runs the undo sweep", identity,
                            namespace, NAME);
                    onLeading.run();
                }, () -> {
                    leading.set(false);
                    LOG.info("scale-down hook: {} no longer holds Lease {}/{}", identity, namespace, NAME);
                }, leader -> LOG.debug("scale-down hook: Lease {}/{} held by {}", namespace, NAME, leader)))
                .build()).build();
        elector = built;
        CompletableFuture<?> started = built.start();
        // fabric8's start() stops trying after a failed renewal: try again, unless closed.
        election = started;
        started.whenComplete((v, e) -> {
            leading.set(false);
            if (!closed.get()) {
                LOG.warn("scale-down hook: the election for Lease {}/{} ended ({}); running it again", namespace,
                        NAME, e == null ? "lost" : e.toString());
                start();
            }
        });
    }

    boolean leading() {
        return leading.get();
    }

    @Override
    public void close() {
        closed.set(true);
        // Read first: cancelling completes the election, whose handler clears the flag.
        boolean wasLeading = leading.get();
        CompletableFuture<?> running = election;
        if (running != null) {
            running.cancel(true);
        }
        // Released here, before the client is closed: the release on cancel runs on fabric8's
        // thread and could come too late, and the next holder would wait for the lease to expire.
        LeaderElector built = elector;
        leading.set(false);
        if (built != null && wasLeading) {
            try {
                built.release();
            } catch (RuntimeException e) {
                LOG.debug("releasing Lease {}/{} failed: {}", namespace, NAME, e.toString());
            }
        }
    }
}
