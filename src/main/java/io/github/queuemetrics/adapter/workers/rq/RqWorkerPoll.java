package io.github.queuemetrics.adapter.workers.rq;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One read of the RQ worker registry.
 *
 * @param readAt          when Redis answered (adapter clock)
 * @param suspended       {@code rq:suspended} exists ({@code rq suspend}): workers stop taking jobs
 * @param workers         every member of {@code rq:workers}, plus workers that left it recently
 *                        (so their {@code death} or disappearance can be reported)
 */
public record RqWorkerPoll(Instant readAt, boolean suspended, List<RqWorkerInfo> workers) {

    public RqWorkerPoll {
        workers = List.copyOf(workers);
    }

    public Optional<RqWorkerInfo> worker(String name) {
        return workers.stream().filter(w -> w.name().equals(name)).findFirst();
    }
}
