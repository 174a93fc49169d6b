package io.github.queuemetrics.adapter.scaledown;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Celery-like workers in memory: who is alive, what each consumes and runs; records every command. */
final class FakeWorkers implements WorkerControl {

    final Set<String> alive = new HashSet<>();
    final Set<String> silent = new HashSet<>();
    final Map<String, List<String>> queues = new HashMap<>();
    final Map<String, WorkerLoad> loads = new HashMap<>();
    final List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Each worker's process, as its heartbeats name it; absent: unknown. */
    final Map<String, String> incarnations = new java.util.concurrent.ConcurrentHashMap<>();

    FakeWorkers worker(String name, String... consumes) {
        alive.add(name);
        queues.put(name, new ArrayList<>(List.of(consumes)));
        loads.put(name, new WorkerLoad(List.of(), 0));
        return this;
    }

    FakeWorkers runs(String worker, String task, String id) {
        return runs(worker, task, id, null);
    }

    /** {@code startedAt} null: start unknown. */
    FakeWorkers runs(String worker, String task, String id, java.time.Instant startedAt) {
        List<RunningTask> running = new ArrayList<>(loads.get(worker).running());
        running.add(new RunningTask(task, id, startedAt));
        loads.put(worker, new WorkerLoad(running, loads.get(worker).prefetched()));
        return this;
    }

    FakeWorkers prefetched(String worker, int n) {
        loads.put(worker, new WorkerLoad(loads.get(worker).running(), n));
        return this;
    }

    void finishes(String worker) {
        loads.put(worker, new WorkerLoad(List.of(), 0));
    }

    @Override
    public Optional<String> incarnation(String worker) {
        return Optional.ofNullable(incarnations.get(worker));
    }

    @Override
    public boolean alive(String worker) {
        return alive.contains(worker);
    }

    @Override
    public Optional<List<String>> consumedQueues(String worker) {
        return silent.contains(worker) ? Optional.empty() : Optional.of(List.copyOf(queues.get(worker)));
    }

    @Override
    public void stopConsuming(String worker, List<String> q) {
        commands.add("cancel_consumer " + worker + " " + q);
        queues.get(worker).removeAll(q);
    }

    @Override
    public void resumeConsuming(String worker, List<String> q) {
        commands.add("add_consumer " + worker + " " + q);
        q.stream().filter(x -> !queues.get(worker).contains(x)).forEach(queues.get(worker)::add);
    }

    @Override
    public Map<String, WorkerLoad> loads(List<String> workers) {
        commands.add("loads " + workers);
        Map<String, WorkerLoad> out = new LinkedHashMap<>();
        for (String w : workers) {
            if (!silent.contains(w) && loads.containsKey(w)) {
                out.put(w, loads.get(w));
            }
        }
        return out;
    }
}
