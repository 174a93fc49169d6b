package io.github.queuemetrics.adapter.source.rabbitmq;

import io.github.queuemetrics.adapter.model.QueueSample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code prometheusUri} mode of {@link RabbitMqSource}: per vhost, one scrape of the
 * Prometheus plugin gives {@code queue_ready}, {@code queue_unacked}, {@code queue_consumers} and
 * {@code queue_outstanding}; {@code queuePattern} discovers from the scrape's queue list. The
 * rates and the oldest age are not in the scrape: their only per-queue source is the management
 * listing, whose cost this poll avoids ({@link BackgroundManagementListing} adds them).
 *
 * <p>The scrape lists a queue only once the queue has emitted statistics (within one
 * {@code collect_statistics_interval} of its declaration) and only on the node that hosts it. So a
 * queue missing from the scrape is not taken as absent: like a queue that page-number paging may
 * have skipped in the management mode, each expected one (configured, or discovered by the last
 * poll) is looked up by name in the management API, and the contract's zeros are reported only when
 * the management API answers 404 in a vhost that exists. A vhost that does not exist fails the poll,
 * as in the management mode.
 */
final class PrometheusQueuePoll {

    private final String source;
    private final QueueSelection selection;
    private final PrometheusQueueClient prometheus;
    private final ManagementApiClient management;
    /** queuePattern: the queues of the last poll per vhost (polls are serial). */
    private final Map<String, List<String>> discovered = new HashMap<>();

    PrometheusQueuePoll(String source, QueueSelection selection, PrometheusQueueClient prometheus,
                        ManagementApiClient management) {
        this.source = source;
        this.selection = selection;
        this.prometheus = prometheus;
        this.management = management;
    }

    /** Adds the samples of {@code vhost} to {@code out}; returns how many queues a pattern discovered (0 for a list). */
    int poll(String vhost, List<QueueSample> out) throws IOException, InterruptedException {
        Map<String, ManagementQueue> scraped = prometheus.fetch(vhost);
        if (scraped.isEmpty() && !management.vhostExists(vhost)) {
            throw new IOException(management.describe() + ": vhost '" + vhost + "' does not exist (404)");
        }
        if (selection.isFixed()) {
            for (String queue : selection.fixedQueues()) {
                ManagementQueue q = scraped.get(queue);
                out.add(q != null ? sample(q, vhost) : lookUp(queue, vhost)
                        .orElseGet(() -> ManagementListing.missing(source, queue, vhost)));
            }
            return 0;
        }
        List<String> names = new ArrayList<>();
        for (ManagementQueue q : scraped.values()) {
            if (selection.discovers(q.name())) {
                out.add(sample(q, vhost));
                names.add(q.name());
            }
        }
        for (String queue : discovered.getOrDefault(vhost, List.of())) {
            if (!scraped.containsKey(queue)) { // still there? (a deleted queue: one request, once)
                Optional<QueueSample> found = lookUp(queue, vhost);
                if (found.isPresent()) {
                    out.add(found.get());
                    names.add(queue);
                }
            }
        }
        discovered.put(vhost, names);
        return names.size();
    }

    /** The queue from the management API, checking the vhost when the answer is 404; empty when it does not exist. */
    private Optional<QueueSample> lookUp(String queue, String vhost) throws IOException, InterruptedException {
        Optional<ManagementQueue> q = management.fetchQueue(vhost, queue);
        if (q.isEmpty() && !management.vhostExists(vhost)) {
            throw new IOException(management.describe() + ": vhost '" + vhost + "' does not exist (404)");
        }
        return q.map(found -> sample(found, vhost));
    }

    /** Counts only: rates and ages come from the background management listing. */
    private QueueSample sample(ManagementQueue q, String vhost) {
        return ManagementListing.counts(source, q, vhost).build();
    }
}
