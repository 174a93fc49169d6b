/**
 * RQ workers: the {@code rq:workers} registry and {@code rq:worker:<name>} hashes (rq 1.x, 2.x and
 * master's {@code rq:worker:<name>:executions} set), turned into workers_total / workers_busy /
 * workers_utilization per queue and into {@code /probe/rq/{worker}} answers.
 *
 * <p>Flow: with {@code workers: rq} the poll of the source (a
 * {@link io.github.queuemetrics.adapter.workers.WorkerAwareSource}) asks
 * {@link io.github.queuemetrics.adapter.workers.rq.RqWorkerTracker#refresh}, which calls
 * {@link io.github.queuemetrics.adapter.workers.rq.RqWorkerReader#read()} (blocking, one pipeline
 * on the tracker's own {@link io.github.queuemetrics.adapter.redis.RedisConnection}), then
 * {@link io.github.queuemetrics.adapter.workers.rq.RqWorkerView#update} with the queues of that
 * poll; the per-queue counts go into the queue's sample. The HTTP side answers probes with
 * {@link io.github.queuemetrics.adapter.workers.rq.RqWorkerView#probe} (no I/O).
 *
 * <p>Liveness ({@link io.github.queuemetrics.adapter.workers.rq.RqLivenessRules} has the derivation
 * from rq's worker.py): ALIVE; DRAINED = {@code shutdown_requested_date} set, state {@code suspended}
 * or {@code rq:suspended} set (still counted in workers_total/busy: it exists and finishes its job);
 * SILENT = the hash lives but its TTL is below 45 s, i.e. the heartbeat the worker promised is more
 * than 15 s overdue (not counted); GONE = {@code death} set, out of {@code rq:workers}, or hash
 * expired (not counted). Only ALIVE answers the probe with 200.
 *
 * <p>Known limit: a SIGKILLed idle worker with the default {@code worker_ttl} 420 s keeps a hash
 * that promises its next heartbeat up to 405 s later, so it reads as alive for up to 435 s, silent
 * until 480 s, then gone. Nothing in Redis tells sooner; a shorter {@code --worker-ttl} shortens it
 * (the worker then heartbeats every {@code max(1, ttl - 15)} s).
 */
package io.github.queuemetrics.adapter.workers.rq;
