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
 * </table>
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
