package io.github.queuemetrics.adapter.workers.pulp;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finding a Pulp worker by the name a probe or the scale-down hook gives: the worker's own name
 * ({@code pid@hostname}), or a pod name. Pulp names workers after the process id, which nobody
 * outside the pod knows, so a name without {@code @} means "the worker on this host". A pod whose
 * worker restarted has an old row (gone) and a new one: the live one wins, else the freshest.
 */
public final class PulpWorkers {

    private static final Comparator<PulpWorker> BEST = Comparator.comparing(PulpWorker::alive)
            .thenComparing(Comparator.comparingDouble(PulpWorker::heartbeatAgeSeconds).reversed());

    private PulpWorkers() {
    }

    public static Optional<PulpWorker> find(List<PulpWorker> workers, String nameOrPod) {
        if (nameOrPod.contains("@")) {
            return workers.stream().filter(w -> w.name().equals(nameOrPod)).findFirst();
        }
        return workers.stream().filter(w -> w.host().equals(nameOrPod)).max(BEST);
    }
}
