package io.github.queuemetrics.adapter.testsupport;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.queuemetrics.adapter.testsupport.SimulatedWorkload.Kind;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The StatefulSet or ReplicaSet controller and the kubelet, for one workload in fabric8's mock API
 * server: every 500 ms it reads {@code spec.replicas} and makes the pods match, each pod a real
 * worker process (Celery or RQ) named after it.
 *
 * <ul>
 *   <li>A new pod is created Running and not Ready, its worker started; it turns Ready when the
 *       readiness probe (the adapter's {@code /probe/pod/...}) answers, and not Ready again when
 *       the probe fails (a drained worker reads as not ready).</li>
 *   <li>StatefulSet ({@code podManagementPolicy: Parallel}): pods {@code <name>-0..N-1}; the ordinals
 *       at or above N go. Deployment: pods {@code <name>-<n>}; the pods that go are ranked as the
 *       ReplicaSet does (ActivePodsWithRanks): not ready first, then the lowest
 *       {@code controller.kubernetes.io/pod-deletion-cost}, then the newest.</li>
 *   <li>A pod that goes gets its {@code deletionTimestamp}, then SIGTERM (Celery's and RQ's warm shutdown), SIGKILL after its grace
 *       period (2 s unless set), then its Pod object is deleted. A task still running at the SIGKILL is lost
 *       (Celery's early ack; RQ's job is left in its started registry).</li>
 * </ul>
 */
public final class KubeletSimulator implements AutoCloseable {

    /** Keeps a deleted Pod object (with its deletionTimestamp) until its worker stopped. */
    static final String FINALIZER = "kubelet.simulation/containers";
    /** terminationGracePeriodSeconds unless {@link #grace(Duration)} sets another. */
    public static final Duration GRACE = Duration.ofSeconds(2);

    private static final class Slot {
        final String name;
        final int serial;
        final CompletableFuture<PythonProcess> worker;
        volatile boolean terminating;
        volatile boolean ready;

        Slot(String name, int serial, CompletableFuture<PythonProcess> worker) {
            this.name = name;
            this.serial = serial;
            this.worker = worker;
        }

        boolean started() {
            return worker.isDone() && !worker.isCompletedExceptionally();
        }
    }

    private final KubernetesClient client;
    private final SimulatedWorkload workload;
    /** A pod removed: when it got SIGTERM, and whether it needed the SIGKILL. */
    public record Removal(String pod, Instant sigterm, boolean sigkilled) {
    }

    private final Function<String, PythonProcess> startWorker;
    private final Predicate<String> readinessProbe;
    private volatile Duration grace = GRACE;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicInteger serials = new AtomicInteger();
    private final List<Removal> removals = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(daemon("kubelet"));
    private final ExecutorService work = Executors.newCachedThreadPool(daemon("kubelet-pod"));

    /** {@code startWorker} starts the worker of a pod (given its name) and returns once it is ready. */
    public KubeletSimulator(KubernetesClient client, SimulatedWorkload workload,
                            Function<String, PythonProcess> startWorker, Predicate<String> readinessProbe) {
        this.client = client;
        this.workload = workload;
        this.startWorker = startWorker;
        this.readinessProbe = readinessProbe;
    }

    /**
     * The pods' terminationGracePeriodSeconds (default 2 s). RQ pods need more than the longest job:
     * RQ cannot be told to stop taking jobs, so a victim may take one between the allowed review and
     * its SIGTERM, and only a warm shutdown with enough grace finishes it (the README's RQ guarantee).
     */
    public KubeletSimulator grace(Duration grace) {
        this.grace = grace;
        return this;
    }

    public KubeletSimulator start() {
        loop.scheduleWithFixedDelay(this::reconcile, 0, 500, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Pods whose worker got SIGKILL because it was still busy after the grace period. */
    public List<String> sigkilled() {
        return removals.stream().filter(Removal::sigkilled).map(Removal::pod).toList();
    }

    /** Every pod removed so far, in the order of their SIGTERM. */
    public List<Removal> removals() {
        return List.copyOf(removals);
    }

    /** scale.status.replicas: the pods that exist and are not terminating. */
    public int statusReplicas() {
        return (int) slots.values().stream().filter(s -> !s.terminating).count();
    }

    /** Failures of the simulation itself (a worker that did not start, an API call that failed). */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** The pods match {@code spec.replicas}: none terminating, every worker started. */
    public boolean settled() {
        int want = workload.replicas(client);
        return slots.size() == want && slots.values().stream().allMatch(s -> !s.terminating && s.started());
    }

    /** The pods that exist now, terminating ones included. */
    public java.util.Set<String> pods() {
        return java.util.Set.copyOf(slots.keySet());
    }

    /** Workers running now (started, not terminating). */
    public int running() {
        return (int) slots.values().stream().filter(s -> !s.terminating && s.started()).count();
    }

    private void reconcile() {
        try {
            int want = workload.replicas(client);
            if (workload.kind() == Kind.STATEFUL_SET) {
                reconcileStatefulSet(want);
            } else {
                reconcileDeployment(want);
            }
            probeReadiness();
        } catch (RuntimeException e) {
            errors.add("reconcile: " + e);
        }
    }

    private void reconcileStatefulSet(int want) {
        for (int ordinal = 0; ordinal < want; ordinal++) {
            String pod = workload.name() + "-" + ordinal;
            if (!slots.containsKey(pod)) { // a pod still terminating under this name is waited for
                launch(pod);
            }
        }
        for (Slot slot : slots.values()) {
            int ordinal = Integer.parseInt(slot.name.substring(workload.name().length() + 1));
            if (!slot.terminating && ordinal >= want) {
                terminate(slot);
            }
        }
    }

    private void reconcileDeployment(int want) {
        List<Slot> live = new ArrayList<>(slots.values().stream().filter(s -> !s.terminating).toList());
        for (int i = live.size(); i < want; i++) {
            launch(workload.name() + "-" + serials.get());
        }
        if (live.size() <= want) {
            return;
        }
        Map<String, Pod> pods = new ConcurrentHashMap<>();
        workload.pods(client).forEach(p -> pods.put(p.getMetadata().getName(), p));
        live.sort(Comparator.<Slot, Boolean>comparing(s -> s.ready)
                .thenComparingInt(s -> SimulatedWorkload.deletionCost(pods.get(s.name)))
                .thenComparing(Comparator.comparingInt((Slot s) -> s.serial).reversed()));
        live.subList(0, live.size() - want).forEach(this::terminate);
    }

    private void launch(String pod) {
        int serial = serials.getAndIncrement();
        client.pods().inNamespace(workload.namespace()).resource(new PodBuilder()
                .withNewMetadata().withName(pod).withNamespace(workload.namespace()).addToLabels(workload.labels())
                .addToFinalizers(FINALIZER)
                .endMetadata()
                .withNewSpec().addNewContainer().withName("worker").withImage("worker").endContainer()
                .withTerminationGracePeriodSeconds(grace.toSeconds()).endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("False")
                .endCondition().endStatus().build()).create();
        CompletableFuture<PythonProcess> worker = CompletableFuture.supplyAsync(() -> startWorker.apply(pod), work);
        worker.whenComplete((w, e) -> {
            if (e != null) {
                errors.add(pod + ": the worker did not start: " + e);
            }
        });
        slots.put(pod, new Slot(pod, serial, worker));
    }

    private void terminate(Slot slot) {
        slot.terminating = true;
        work.execute(() -> {
            try {
                try {
                    markDeleting(slot.name);
                } catch (RuntimeException e) {
                    errors.add(slot.name + ": deletionTimestamp: " + e); // the SIGTERM still goes
                }
                PythonProcess worker = slot.worker.join();
                Instant sigterm = Instant.now();
                worker.terminate();
                boolean stopped = worker.waitFor(grace);
                if (!stopped) {
                    worker.kill();
                }
                removals.add(new Removal(slot.name, sigterm, !stopped));
                worker.close();
            } catch (RuntimeException e) {
                errors.add(slot.name + ": " + e);
            } finally {
                try {
                    removeObject(slot.name);
                } finally {
                    slots.remove(slot.name);
                }
            }
        });
    }

    /**
     * The controller's DELETE as the API server answers it: the pod stays, with
     * {@code deletionTimestamp} set, until its containers stopped. fabric8's CRUD mock removes a pod
     * at once unless it has finalizers, so every pod carries {@link #FINALIZER} until then. Readers
     * such as the hook skip terminating pods.
     */
    void markDeleting(String pod) {
        client.pods().inNamespace(workload.namespace()).withName(pod).delete();
    }

    /** The containers stopped: the finalizer goes, and with it the Pod object. */
    void removeObject(String pod) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.pods().inNamespace(workload.namespace()).withName(pod).edit(p -> {
                    p.getMetadata().setFinalizers(new ArrayList<>());
                    return p;
                });
                break;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == 5) {
                    throw e;
                }
            }
        }
        client.pods().inNamespace(workload.namespace()).withName(pod).delete();
    }

    /** Ready follows the readiness probe once the worker started. */
    private void probeReadiness() {
        for (Slot slot : slots.values()) {
            if (slot.terminating || !slot.started()) {
                continue;
            }
            boolean ready = readinessProbe.test(slot.name);
            if (ready != slot.ready && writeReady(slot.name, ready)) {
                slot.ready = ready;
            }
        }
    }

    /**
     * Writes the Ready condition; false when the write lost a race with another writer (the
     * adapter patching the pod's annotations between our read and our write: 409 Conflict). The
     * kubelet's status manager retries such a write on its next sync; so does this loop, because
     * the slot keeps its old readiness until the write lands.
     */
    private boolean writeReady(String pod, boolean ready) {
        try {
            client.pods().inNamespace(workload.namespace()).withName(pod).editStatus(p -> {
                p.getStatus().getConditions().forEach(c -> {
                    if ("Ready".equals(c.getType())) {
                        c.setStatus(ready ? "True" : "False");
                    }
                });
                return p;
            });
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops the loop and kills every worker at once (test cleanup, not a pod removal). */
    @Override
    public void close() {
        loop.shutdownNow();
        for (Slot slot : slots.values()) {
            slot.worker.thenAccept(PythonProcess::kill);
        }
        work.shutdown();
        try {
            work.awaitTermination(70, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot slot : slots.values()) {
            slot.worker.thenAccept(PythonProcess::kill);
        }
    }
}
