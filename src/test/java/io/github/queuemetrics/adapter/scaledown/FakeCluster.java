package io.github.queuemetrics.adapter.scaledown;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A StatefulSet and its pods in memory, recording every write; {@link #failWith} makes every call throw. */
final class FakeCluster implements WorkloadCluster {

    StatefulSetShape shape;
    DeploymentShape deployment;
    final Map<String, PodState> pods = new LinkedHashMap<>();
    final List<String> writes = new ArrayList<>();
    /** Drains recorded as ended ({@link #markDrainEnded}), apart from {@link #writes}. */
    final List<String> ended = new ArrayList<>();
    RuntimeException failWith;
    long delayMillis;

    FakeCluster(String name, int replicas, int ordinalsStart) {
        shape = new StatefulSetShape(name, replicas, ordinalsStart, Map.of("app", name));
        for (int i = ordinalsStart; i < ordinalsStart + replicas; i++) {
            pods.put(name + "-" + i, new PodState(name + "-" + i, true, Optional.empty()));
        }
    }

    void notRunning(String pod) {
        pods.put(pod, new PodState(pod, false, pods.get(pod).drain(), pods.get(pod).deletionCost()));
    }

    void marked(String pod, DrainMark mark) {
        pods.put(pod, new PodState(pod, pods.get(pod).running(), Optional.of(mark), pods.get(pod).deletionCost()));
    }

    @Override
    public Optional<StatefulSetShape> statefulSet(String namespace, String name) {
        fail();
        return Optional.ofNullable(shape);
    }

    @Override
    public Map<String, PodState> pods(String namespace, StatefulSetShape statefulSet) {
        fail();
        return Map.copyOf(pods);
    }

    /** A Deployment named {@code name} whose pods are {@code pods} (all running). */
    static FakeCluster deployment(String name, int replicas, String... pods) {
        FakeCluster c = new FakeCluster(name, 0, 0);
        c.shape = null;
        c.deployment = new DeploymentShape(name, replicas, Map.of("app", name));
        for (String pod : pods) {
            c.pods.put(pod, new PodState(pod, true, Optional.empty()));
        }
        return c;
    }

    @Override
    public Optional<DeploymentShape> deployment(String namespace, String name) {
        fail();
        return Optional.ofNullable(deployment);
    }

    @Override
    public Map<String, PodState> podsMatching(String namespace, Map<String, String> selector) {
        fail();
        return Map.copyOf(pods);
    }

    @Override
    public void setDeletionCost(String namespace, String pod, int cost) {
        fail();
        writes.add("cost " + pod + " " + cost);
        PodState state = pods.get(pod);
        pods.put(pod, new PodState(pod, state.running(), state.drain(), Optional.of(cost)));
    }

    @Override
    public void markDraining(String namespace, String pod, DrainMark mark) {
        fail();
        writes.add("mark " + pod + " " + mark.queues());
        // as a merge patch: the drain-ended annotation stays, and still matches while since does
        boolean wasEnded = pods.get(pod).drain().map(m -> m.ended() && m.since().equals(mark.since())).orElse(false);
        marked(pod, new DrainMark(mark.since(), mark.queues(), mark.lastAsked(), wasEnded));
    }

    @Override
    public void markDrainEnded(String namespace, String pod, DrainMark mark) {
        fail();
        ended.add(pod + " " + mark.since());
        pods.get(pod).drain().ifPresent(m -> marked(pod, new DrainMark(m.since(), m.queues(), m.lastAsked(),
                m.since().equals(mark.since()))));
    }

    @Override
    public void clearDraining(String namespace, String pod) {
        fail();
        writes.add("clear " + pod);
        pods.put(pod, new PodState(pod, pods.get(pod).running(), Optional.empty()));
    }

    @Override
    public void event(String namespace, String kind, String name, boolean warning, String reason, String message) {
        fail();
        writes.add((warning ? "Warning " : "Normal ") + reason + " " + kind + " " + namespace + "/" + name + ": "
                + message);
    }

    private void fail() {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failWith != null) {
            throw failWith;
        }
    }
}
