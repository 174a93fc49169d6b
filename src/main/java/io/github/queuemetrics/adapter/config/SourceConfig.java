package io.github.queuemetrics.adapter.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One validated entry of {@code sources:}. Built only by {@link ConfigLoader}, which has already
 * checked every field, filled in defaults and resolved {@code ${VAR}} references.
 *
 * @param name            [a-z0-9-]+, the {@code source} label
 * @param type            broker layout
 * @param amqpUri         RabbitMQ only: amqp(s)://user:pass@host:port/vhost
 * @param managementUri   RabbitMQ only, optional: http(s)://host:15672 (credentials from amqpUri unless given)
 * @param vhosts          RabbitMQ only: vhosts to poll; defaults to the amqpUri vhost
 * @param uri             Redis sources: redis(s)://[user:pass@]host:port/db
 * @param queues          fixed queue names (empty when {@code queuePattern} is used)
 * @param queuePattern    regex over discovered queue names, re-evaluated every poll; null with {@code queues}
 * @param workers         which workers to track
 * @param namespaces      namespaces whose HPAs may read this source; empty = all
 * @param pollInterval    how often the broker is polled
 * @param maxStaleness    how long the last good values are served after polls start failing
 * @param prioritySteps   celery-redis only: kombu priority_steps, default [0, 3, 6, 9]
 * @param separator       celery-redis only: kombu sep, default "\u0006\u0016"
 * @param keyPrefix       celery-redis only: kombu global_keyprefix, default ""
 * @param podWorkerTemplate with workers: how a pod name maps to a worker name for
 *                        {@code /probe/pod/{namespace}/{pod}}; {@code {pod}} is replaced. Default
 *                        {@code celery@{pod}} for Celery workers, {@code {pod}} for RQ workers
 * @param maxQueues       with queuePattern: the most queues discovery may find; more fails the poll
 *                        (default {@link #DEFAULT_MAX_QUEUES}, the scale the benchmarks measured)
 * @param workerReplyTimeout with {@code workers: celery}: how long a poll waits for the workers'
 *                        answers to a broadcast; default 1 s (Celery's own)
 * @param tlsCaFile       {@code tls.caFile}: PEM file of the CAs trusted for this source's TLS
 *                        connections ({@code amqps://}, {@code rediss://}, {@code https://}); null
 *                        trusts the JVM's default trust store. Chain and host name are always verified
 * @param pulp            type pulp only: the database and grouping; null for other types
 * @param prometheusUri   RabbitMQ only, optional (needs managementUri): http(s)://host:15692, the
 *                        {@code rabbitmq_prometheus} plugin the queue counts are read from
 */
public record SourceConfig(
        String name,
        SourceType type,
        URI amqpUri,
        URI managementUri,
        List<String> vhosts,
        URI uri,
        List<String> queues,
        Pattern queuePattern,
        WorkerKind workers,
        List<String> namespaces,
        Duration pollInterval,
        Duration maxStaleness,
        List<Integer> prioritySteps,
        String separator,
        String keyPrefix,
        String podWorkerTemplate,
        int maxQueues,
        Duration workerReplyTimeout,
        Path tlsCaFile,
        PulpSettings pulp,
        URI prometheusUri) {

    /** 10,000 queues is what bench/README.md measured (poll time, memory); a pattern gone wild fails beyond it. */
    public static final int DEFAULT_MAX_QUEUES = 10_000;
    public static final List<Integer> DEFAULT_PRIORITY_STEPS = List.of(0, 3, 6, 9);
    public static final Duration DEFAULT_WORKER_REPLY_TIMEOUT = Duration.ofSeconds(1);
    public static final String DEFAULT_SEPARATOR = "\u0006\u0016";

    public SourceConfig {
        vhosts = vhosts == null ? List.of() : List.copyOf(vhosts);
        queues = queues == null ? List.of() : List.copyOf(queues);
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        prioritySteps = prioritySteps == null ? DEFAULT_PRIORITY_STEPS : List.copyOf(prioritySteps);
        separator = separator == null ? DEFAULT_SEPARATOR : separator;
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
        workers = workers == null ? WorkerKind.NONE : workers;
        podWorkerTemplate = podWorkerTemplate != null ? podWorkerTemplate
                : workers == WorkerKind.RQ || workers == WorkerKind.PULP ? "{pod}" : "celery@{pod}";
        maxQueues = maxQueues <= 0 ? DEFAULT_MAX_QUEUES : maxQueues;
        workerReplyTimeout = workerReplyTimeout == null ? DEFAULT_WORKER_REPLY_TIMEOUT : workerReplyTimeout;
    }

    /** A source without prometheusUri. */
    public SourceConfig(String name, SourceType type, URI amqpUri, URI managementUri, List<String> vhosts, URI uri,
                        List<String> queues, Pattern queuePattern, WorkerKind workers, List<String> namespaces,
                        Duration pollInterval, Duration maxStaleness, List<Integer> prioritySteps, String separator,
                        String keyPrefix, String podWorkerTemplate, int maxQueues, Duration workerReplyTimeout,
                        Path tlsCaFile, PulpSettings pulp) {
        this(name, type, amqpUri, managementUri, vhosts, uri, queues, queuePattern, workers, namespaces, pollInterval,
                maxStaleness, prioritySteps, separator, keyPrefix, podWorkerTemplate, maxQueues, workerReplyTimeout,
                tlsCaFile, pulp, null);
    }

    /** A source with the default {@code maxQueues} and worker reply timeout, trusting the JVM's trust store. */
    public SourceConfig(String name, SourceType type, URI amqpUri, URI managementUri, List<String> vhosts, URI uri,
                        List<String> queues, Pattern queuePattern, WorkerKind workers, List<String> namespaces,
                        Duration pollInterval, Duration maxStaleness, List<Integer> prioritySteps, String separator,
                        String keyPrefix, String podWorkerTemplate) {
        this(name, type, amqpUri, managementUri, vhosts, uri, queues, queuePattern, workers, namespaces, pollInterval,
                maxStaleness, prioritySteps, separator, keyPrefix, podWorkerTemplate, 0, null, null, null);
    }

    /** This source with another {@code maxQueues}. */
    public SourceConfig withMaxQueues(int max) {
        return new SourceConfig(name, type, amqpUri, managementUri, vhosts, uri, queues, queuePattern, workers,
                namespaces, pollInterval, maxStaleness, prioritySteps, separator, keyPrefix, podWorkerTemplate, max,
                workerReplyTimeout, tlsCaFile, pulp, prometheusUri);
    }

    /** This source reading its RabbitMQ queue counts from the Prometheus plugin at {@code uri}. */
    public SourceConfig withPrometheusUri(URI uri) {
        return new SourceConfig(name, type, amqpUri, managementUri, vhosts, this.uri, queues, queuePattern, workers,
                namespaces, pollInterval, maxStaleness, prioritySteps, separator, keyPrefix, podWorkerTemplate, maxQueues,
                workerReplyTimeout, tlsCaFile, pulp, uri);
    }

    /**
     * The error for a discovery that found more than {@link #maxQueues} queues: the poll fails with
     * it rather than serve a partial set (a partial sum would look like less work).
     */
    public String tooManyQueues(int found) {
        return "source " + name + ": queuePattern '" + queuePattern + "' matches " + found + " queues, more than maxQueues ("
                + maxQueues + "); narrow the pattern or raise maxQueues";
    }

    /** A source with the default pod-to-worker template. */
    public SourceConfig(String name, SourceType type, URI amqpUri, URI managementUri, List<String> vhosts, URI uri,
                        List<String> queues, Pattern queuePattern, WorkerKind workers, List<String> namespaces,
                        Duration pollInterval, Duration maxStaleness, List<Integer> prioritySteps, String separator,
                        String keyPrefix) {
        this(name, type, amqpUri, managementUri, vhosts, uri, queues, queuePattern, workers, namespaces, pollInterval,
                maxStaleness, prioritySteps, separator, keyPrefix, (String) null);
    }

    /** The worker name of {@code pod} under {@link #podWorkerTemplate}. */
    public String workerNameOfPod(String pod) {
        return podWorkerTemplate.replace("{pod}", pod);
    }

    public Optional<URI> management() {
        return Optional.ofNullable(managementUri);
    }

    /** True when any of this source's connections uses TLS ({@code amqps://}, {@code https://}, {@code rediss://}). */
    public boolean usesTls() {
        return ConfigTls.usesTls(amqpUri) || ConfigTls.usesTls(managementUri) || ConfigTls.usesTls(uri)
                || ConfigTls.usesTls(prometheusUri);
    }

    /** True when the HPA of {@code namespace} may read this source's queues. */
    public boolean visibleTo(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }

    /**
     * True for a fixed queue list, false for discovery by {@code queuePattern} or, on Pulp, items
     * found in the database ({@code groupBy: domain | name}).
     */
    public boolean fixedQueues() {
        return queuePattern == null && (pulp == null || pulp.groupBy() == PulpSettings.GroupBy.NONE);
    }

    @Override
    public String toString() {
        return "SourceConfig[name=" + name + ", type=" + type.configName()
                + ", amqpUri=" + Secrets.redact(amqpUri) + ", managementUri=" + Secrets.redact(managementUri)
                + (prometheusUri == null ? "" : ", prometheusUri=" + Secrets.redact(prometheusUri))
                + ", vhosts=" + vhosts + ", uri=" + Secrets.redact(uri) + ", queues=" + queues
                + ", queuePattern=" + queuePattern + ", workers=" + workers.configName()
                + ", namespaces=" + namespaces + ", pollInterval=" + pollInterval
                + ", maxStaleness=" + maxStaleness + ", maxQueues=" + maxQueues
                + ", workerReplyTimeout=" + workerReplyTimeout + (tlsCaFile == null ? "" : ", tls.caFile=" + tlsCaFile)
                + (pulp == null ? "" : ", pulp=" + pulp) + "]";
    }
}
