package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import io.github.queuemetrics.adapter.model.QueueSample;
import io.github.queuemetrics.adapter.model.SourceSnapshot;
import io.github.queuemetrics.adapter.source.QueueSource;
import io.github.queuemetrics.adapter.workers.WorkerTracker;
import io.github.queuemetrics.adapter.workers.pulp.PulpWorkerTracker;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulp 3 tasks read from Pulp's PostgreSQL database ({@code core_task}); Pulp has no broker.
 *
 * <p>Per item ({@code queue=pulp}, one per domain or one per task name, see {@code groupBy}):
 * {@code queue_ready} (waiting and runnable), {@code queue_blocked} (waiting on resource locks;
 * only where {@code unblocked_at} exists, Pulp 3.48+), {@code queue_running} (running and
 * canceling), {@code queue_outstanding} (waiting + running + canceling) and
 * {@code queue_oldest_age_seconds}, {@code queue_arrival_rate} and {@code queue_completion_rate}
 * ({@link PulpFlows}). With {@code workers: pulp} the same round trip reads the workers' heartbeats
 * and running tasks for {@link PulpWorkerTracker}.
 *
 * <p>One connection, one round trip per poll. The schema is detected on connect, so a reconnect after
 * a Pulp upgrade sees the new columns. Any failure closes the connection: the next poll
 * reconnects and detects again, and the failed poll reports why instead of a zero.
 */
public final class PulpSource implements QueueSource {

    private static final Logger LOG = LoggerFactory.getLogger(PulpSource.class);

    private final SourceConfig config;
    private final PulpSettings settings;
    private final Clock clock;
    /** groupBy name: task names seen since start, served as 0 when idle rather than vanishing. */
    private final Set<String> seenNames = new LinkedHashSet<>();
    private final PulpFlows flows = new PulpFlows();
    /** Null without workers: pulp. */
    private final PulpWorkerTracker workers;
    private Connection connection;
    private PulpCountQuery query;
    /** The database time of the last good poll: tasks created after it are the next poll's arrivals. */
    private Instant lastPollAt;

    public PulpSource(SourceConfig config) {
        this(config, Clock.systemUTC());
    }

    public PulpSource(SourceConfig config, Clock clock) {
        if (config.type() != SourceType.PULP || config.pulp() == null) {
            throw new IllegalArgumentException("source " + config.name() + " is " + config.type().configName()
                    + ", not pulp");
        }
        this.config = config;
        this.settings = config.pulp();
        this.clock = clock;
        this.workers = config.workers() == WorkerKind.PULP
                ? new PulpWorkerTracker(config.maxStaleness()) : null;
    }

    /** The tracker this source feeds with every poll's worker rows ({@code workers: pulp}). */
    public Optional<WorkerTracker> workerTracker() {
        return Optional.ofNullable(workers);
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public SourceSnapshot poll() throws IOException {
        try {
            connectIfNeeded();
            PulpCountQuery.Result result = query.run(connection, lastPollAt);
            Instant now = clock.instant();
            if (workers != null) {
                workers.accept(now, result.workers());
            }
            List<QueueSample> samples = samples(result.items(), result.at(), lastPollAt == null);
            lastPollAt = result.at();
            return new SourceSnapshot(config.name(), now, samples);
        } catch (SQLException e) {
            close();
            throw new IOException("source " + config.name() + ": " + PulpFailures.reason(e, settings, tablesRead()), e);
        }
    }

    private void connectIfNeeded() throws SQLException {
        if (connection != null) {
            return;
        }
        Connection c = PulpConnection.open(settings, "qma-" + config.name());
        try {
            PulpSchema schema = PulpSchema.detect(c);
            if (settings.groupBy() == GroupBy.DOMAIN && !schema.domains()) {
                throw new SQLException("groupBy: domain needs core_domain,"
                        + " which this Pulp database does not have (Pulp before domains); use groupBy: none or name",
                        PulpFailures.NOT_PULP);
            }
            if (workers != null && schema.heartbeats() == PulpSchema.Heartbeats.NONE) {
                throw new SQLException("workers: pulp needs core_appstatus (with core_task.app_lock_id) or"
                        + " core_worker (with core_task.worker_id), which this database does not have",
                        PulpFailures.NOT_PULP);
            }
            query = new PulpCountQuery(schema, settings.groupBy(),
                    workers == null ? null : new PulpWorkerQuery(schema, settings.groupBy()));
            LOG.info("source {}: Pulp schema: {}", config.name(), schema.describe());
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        connection = c;
    }

    private List<QueueSample> samples(Map<String, PulpCounts> counts, Instant at, boolean first) {
        Map<String, PulpCounts> items = new LinkedHashMap<>(counts);
        if (settings.groupBy() == GroupBy.NAME) {
            seenNames.addAll(counts.keySet());
            for (String name : seenNames) {
                items.putIfAbsent(name, PulpCounts.idle(query.blockedKnown()));
            }
        }
        List<QueueSample> samples = new ArrayList<>(items.size());
        items.forEach((item, c) -> {
            flows.update(item, at, c, first);
            samples.add(flows.withRates(c.toSample(config.name(), item)));
        });
        flows.retain(items.keySet());
        return samples;
    }

    private String tablesRead() {
        boolean domains = settings.groupBy() == GroupBy.DOMAIN;
        if (workers == null) {
            return domains ? "core_task and core_domain" : "core_task";
        }
        return (domains ? "core_task, core_domain" : "core_task") + " and the worker table (core_appstatus or core_worker)";
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        query = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("source {}: closing the connection: {}", config.name(), e.getMessage());
            }
        }
    }
}
