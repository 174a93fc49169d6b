/**
 * The RabbitMQ source: {@link io.github.queuemetrics.adapter.source.rabbitmq.RabbitMqSource}, built from one
 * {@code sources[i]} of type {@code rabbitmq}. No Vert.x here: everything blocks and runs on the poller's worker pool.
 *
 * <h2>What each mode measures</h2>
 * <table>
 * <caption>metrics per mode</caption>
 * <tr><th>metric</th><th>with managementUri</th><th>AMQP only</th></tr>
 * <tr><td>queue_ready</td><td>{@code messages_ready}</td><td>passive declare {@code message_count}</td></tr>
 * <tr><td>queue_unacked</td><td>{@code messages_unacknowledged}</td><td>absent (AMQP cannot see it)</td></tr>
 * <tr><td>queue_consumers</td><td>{@code consumers}</td><td>passive declare {@code consumer_count}</td></tr>
 * <tr><td>queue_outstanding</td><td>ready + unacked</td><td>ready</td></tr>
 * <tr><td>queue_arrival_rate</td><td>{@code message_stats.publish_details.avg_rate} over 60 s</td><td>absent</td></tr>
 * <tr><td>queue_completion_rate</td><td>{@code message_stats.ack_details.avg_rate} over 60 s</td><td>absent</td></tr>
 * <tr><td>queue_oldest_age_seconds</td><td>dated from the history of {@code message_stats.publish}</td><td>absent</td></tr>
 * </table>
 *
 * <p>With {@code prometheusUri} as well, the three counts come from the Prometheus plugin's
 * {@code rabbitmq_detailed_queue_messages_ready}, {@code _messages_unacked} and {@code _consumers}
 * ({@link io.github.queuemetrics.adapter.source.rabbitmq.PrometheusQueuePoll}); the rates and the
 * oldest age come from the management listing run in the background, as of that listing
 * ({@link io.github.queuemetrics.adapter.source.rabbitmq.BackgroundManagementListing}); the
 * publish history is then sampled once per listing (30 s), which bounds the age's precision
 * instead of the statistics interval.
 *
 * <h2>Oldest age without timestamps</h2>
 * Celery sets no AMQP {@code timestamp} ({@code head_message_timestamp} is null) and peeking is
 * intrusive, so {@link io.github.queuemetrics.adapter.source.rabbitmq.PublishHistory} keeps, per
 * queue, (poll time, {@code message_stats.publish}) samples and dates message number
 * {@code deliver_get - redeliver + 1} (plus messages purged/expired, counted when the queue is
 * quiet for 10 s) by interpolation; same single listing request, three more columns. Limits:
 * <ul>
 * <li>Precision: the counters are emitted every {@code collect_statistics_interval} (5 s), apart
 *     from each other; expect the age about 0-5 s low (up to two intervals on a loaded broker), plus up to one poll interval (seen in
 *     RabbitMqOldestAgeIT: within 5 s). Empty queue: 0.</li>
 * <li>Lower bound: a head published before the queue's first sample (adapter start, counter reset
 *     by a broker restart or re-declared queue, or thinned history) gets the age of that sample.</li>
 * <li>Requeued (nacked, or a killed worker's) tasks waiting again at the head are older than the
 *     estimate, which is the oldest never-delivered task; exact again once they are redelivered.</li>
 * <li>Priority queues ({@code x-max-priority}) are not FIFO: the estimate is the oldest task in
 *     arrival order that has not been delivered, not the oldest waiting one. Messages that enter
 *     without a publish (dead-lettering, shovels) or leave by TTL on a queue that never goes quiet
 *     make it wrong.</li>
 * <li>Memory: at most 64 samples per queue (about 1.1 KB when full, 0.2 KB idle; measured
 *     11 MB for 10,000 full queues, 2 MB drained, in OldestAgeEstimatorTest).</li>
 * </ul>
 *
 * <p>Celery facts behind these numbers (verified on RabbitMQ 3.10 / Celery 5.2): a worker's prefetch
 * window is channel-global ({@code concurrency x worker_prefetch_multiplier}); prefetched tasks are
 * unacked; with the default early ack a task is acked when it starts, so executing tasks are in
 * neither count and {@code queue_outstanding} misses them until worker tracking adds
 * {@code queue_running}; with {@code acks_late} executing tasks stay unacked, so ready + unacked
 * is every unfinished task. For the same reason the ack rate is "tasks started per second" under
 * early ack and "tasks finished per second" under acks_late.
 *
 * <p>Management-API counts are as fresh as the broker's statistics emission
 * ({@code collect_statistics_interval}, 5 s by default); passive declares are live. A queue the
 * plugin lists before its first emission has no counts yet: its count metrics are absent, not 0.
 *
 * <h2>Broker permissions</h2>
 * The management user needs the {@code monitoring} tag (or {@code management} plus read access to
 * the vhosts). The AMQP user only needs access to each vhost: a passive declare is not checked
 * against configure/write/read (verified on 3.10 with a user whose three permissions are {@code ^$}).
 */
package io.github.queuemetrics.adapter.source.rabbitmq;
