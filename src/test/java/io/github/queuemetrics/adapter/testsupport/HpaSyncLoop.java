package io.github.queuemetrics.adapter.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.queuemetrics.adapter.scaledown.ScaleReviews;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The HPA controller's sync loop for one workload in fabric8's mock API server: every
 * {@code period} (the real one is 15 s) it reads the metric, asks {@link HpaSimulator} for the
 * desired count and, when it differs from {@code spec.replicas}, writes the scale as the API
 * server would: the update first goes through the validating webhook as an AdmissionReview v1 of
 * {@code UPDATE <resource>/scale} (autoscaling/v1 Scale in object and oldObject); only if it is
 * allowed is {@code spec.replicas} written. A denial leaves the replicas, and the next sync
 * recomputes and asks again (the recommendation stays recorded for the stabilization window).
 */
public final class HpaSyncLoop implements AutoCloseable {

    public enum Outcome { UNCHANGED, ALLOWED, DENIED }

    /** One sync: what was read, wanted and answered. */
    public record Step(Instant at, double metric, int current, int desired, Outcome outcome, String message) {
        public boolean scaleDown() {
            return desired < current;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HpaSimulator hpa;
    private final SimulatedWorkload workload;
    private final KubernetesClient client;
    private final Supplier<Double> metric;
    private final Function<String, String> webhook;
    private final Duration period;
    private final List<Step> steps = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hpa-sync");
        t.setDaemon(true);
        return t;
    });
    private final long startNanos = System.nanoTime();
    private volatile IntSupplier statusReplicas;

    /**
     * {@code metric} reads the metric's value (it throws when the API answers an error: the HPA
     * then keeps the size); {@code webhook} posts an AdmissionReview and returns the answer's body.
     */
    public HpaSyncLoop(HpaSimulator hpa, SimulatedWorkload workload, KubernetesClient client, Supplier<Double> metric,
                       Function<String, String> webhook, Duration period) {
        this.hpa = hpa;
        this.workload = workload;
        this.client = client;
        this.metric = metric;
        this.webhook = webhook;
        this.period = period;
    }

    /**
     * Where scale.status.replicas comes from (the controller counts its pods that are not
     * terminating); by default the pods the API server lists.
     */
    public HpaSyncLoop statusReplicas(IntSupplier supplier) {
        this.statusReplicas = supplier;
        return this;
    }

    public HpaSyncLoop start() {
        loop.scheduleWithFixedDelay(this::sync, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public List<Step> steps() {
        return List.copyOf(steps);
    }

    /** Failures of the simulation itself (not denials, not metric errors). */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    private void sync() {
        try {
            int current = workload.replicas(client);
            hpa.observe(current); // currentReplicas is scale.spec.replicas
            List<Pod> pods = workload.pods(client);
            int ready = (int) pods.stream().filter(SimulatedWorkload::ready).count();
            int status = statusReplicas == null ? pods.size() : statusReplicas.getAsInt();
            double value;
            HpaSimulator.Fetch fetch;
            try {
                value = metric.get();
                fetch = new HpaSimulator.Values(List.of(Math.round(value * 1000)));
            } catch (RuntimeException | AssertionError e) {
                value = Double.NaN;
                fetch = new HpaSimulator.Failure(e.getMessage());
            }
            double now = seconds();
            int desired = hpa.propose(now, fetch, status, pods.size(), ready);
            if (desired == current) {
                steps.add(new Step(Instant.now(), value, current, desired, Outcome.UNCHANGED, hpa.lastCondition()));
                return;
            }
            JsonNode response = JSON.readTree(webhook.apply(ScaleReviews.review(workload.kind().resource(),
                    workload.namespace(), workload.name(), current, desired, false))).path("response");
            String message = response.path("status").path("message").asText();
            if (response.path("allowed").asBoolean()) {
                workload.scale(client, desired);
                hpa.scaled(seconds(), current, desired); // storeScaleEvent: after the update
                steps.add(new Step(Instant.now(), value, current, desired, Outcome.ALLOWED, message));
            } else {
                steps.add(new Step(Instant.now(), value, current, desired, Outcome.DENIED, message));
            }
        } catch (Exception | AssertionError e) {
            errors.add(Instant.now() + " sync: " + e);
        }
    }

    private double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
