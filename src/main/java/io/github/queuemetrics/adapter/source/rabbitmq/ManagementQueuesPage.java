package io.github.queuemetrics.adapter.source.rabbitmq;

import java.util.List;

/**
 * One page of {@code GET /api/queues/{vhost}?page=..&page_size=..}.
 *
 * @param page      the page number the plugin answered (1-based)
 * @param pageCount how many pages there are ({@code 0} when the vhost has no queue)
 * @param filteredCount how many queues all pages hold together ({@code filtered_count}); -1 if absent
 * @param queues    the items of this page
 */
record ManagementQueuesPage(int page, int pageCount, long filteredCount, List<ManagementQueue> queues) {
}
