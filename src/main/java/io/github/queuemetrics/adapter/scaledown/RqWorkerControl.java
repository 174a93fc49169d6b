package io.github.queuemetrics.adapter.scaledown;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import io.github.queuemetrics.adapter.workers.rq.RqLivenessRules;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerInfo;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerLiveness;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerPoll;
import io.github.queuemetrics.adapter.workers.rq.RqWorkerReader;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * RQ workers, read live from the worker registry ({@code rq:workers} and the worker hashes, one
 * pipelined read) on the hook's own Redis connection.
 *
 * <p><b>RQ has no per-worker "stop taking jobs" command</b> (only {@code rq suspend}, for every
 * worker). So a drain stops nothing: the pod is marked (and its probe reads "draining"), and the
 * scale-down is denied while a victim runs a job. What this guarantees: a job a victim is running
 * when the HPA asks is not interrupted by this scale-down; a job a victim takes between the allowed
 * review and its pod's SIGTERM is finished by RQ's warm shutdown provided the pod's
 * {@code terminationGracePeriodSeconds} exceeds the longest job (else it is killed at the end of
 * the grace period, as without the hook).
 */
public final class RqWorkerControl extends WaitOnlyWorkerControl implements AutoCloseable {

    private final UnifiedJedis redis;
    private final RqWorkerReader reader;
    private final Clock clock;

    RqWorkerControl(UnifiedJedis redis, Clock clock) {
        this.redis = redis;
        this.reader = new RqWorkerReader(redis);
        this.clock = clock;
    }

    /** A connection of its own to the source's Redis, named {@code qma-<source>-scale-down}. */
    public static RqWorkerControl forSource(URI uri, String sourceName) {
        RedisEndpoint endpoint = RedisEndpoint.parse(uri, "qma-" + sourceName + "-scale-down");
        return new RqWorkerControl(RedisClient.builder().hostAndPort(endpoint.hostAndPort())
                .clientConfig(endpoint.clientConfig()).build(), Clock.systemUTC());
    }

    @Override
    public void warmUp() {
        read();
    }

    /** Alive unless gone: a silent or shutting-down worker may still finish a job it holds. */
    @Override
    public boolean alive(String worker) {
        RqWorkerPoll poll = read();
        return poll.worker(worker).map(w -> RqWorkerLiveness.assess(w, poll.suspended(), clock.instant(),
                RqLivenessRules.DEFAULTS).status() != RqWorkerLiveness.Status.GONE).orElse(false);
    }

    /** Each running job with its {@code started_at} (the job hash, wall clock), in one more pipelined read. */
    @Override
    public Map<String, WorkerLoad> loads(List<String> workers) {
        RqWorkerPoll poll = read();
        Map<String, List<String>> jobsByWorker = new LinkedHashMap<>();
        Map<String, Response<String>> startedAt = new HashMap<>();
        try (AbstractPipeline p = redis.pipelined()) {
            for (String name : workers) {
                List<String> jobs = poll.worker(name).map(RqWorkerControl::jobIds).orElse(List.of());
                jobsByWorker.put(name, jobs);
                for (String job : jobs) {
                    startedAt.computeIfAbsent(job, id -> p.hget("rq:job:" + id, "started_at"));
                }
            }
            p.sync();
        }
        Map<String, WorkerLoad> loads = new LinkedHashMap<>();
        jobsByWorker.forEach((name, jobs) -> loads.put(name, new WorkerLoad(jobs.stream()
                .map(id -> new RunningTask("job", id, RqWorkerInfo.parseTime(startedAt.get(id).get()))).toList(), 0)));
        return loads;
    }

    /** The job ids: rq master's executions are {@code <job_id>:<execution_id>}. */
    private static List<String> jobIds(RqWorkerInfo worker) {
        return worker.currentJobs().stream().map(j -> worker.executionsLayout() && j.lastIndexOf(':') > 0
                ? j.substring(0, j.lastIndexOf(':')) : j).toList();
    }

    /** The reader keeps state between reads (workers that left recently): one read at a time. */
    private synchronized RqWorkerPoll read() {
        return reader.read();
    }

    @Override
    public void close() {
        redis.close();
    }
}
