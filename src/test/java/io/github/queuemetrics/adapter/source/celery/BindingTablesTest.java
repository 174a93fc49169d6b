package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.source.celery.CeleryRedisKeys.Binding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BindingTablesTest {

    private final BindingTables tables = new BindingTables(Map.of(
            "tasks", List.of(new Binding("fast", "", "fast-q"), new Binding("slow", "", "slow-q"),
                    new Binding("fast", "", "fast-audit")),
            // kombu TopicExchange.key_to_pattern("reports.#")
            "topic", List.of(new Binding("reports.#", "^reports\\..*?$", "reports-q"))));

    @Test
    void defaultExchangeRoutesByQueueName() {
        assertThat(tables.queuesFor("", "celery")).containsExactly("celery");
        assertThat(tables.queuesFor(null, "celery")).containsExactly("celery");
        assertThat(tables.queuesFor("", "")).isEmpty();
        assertThat(tables.queuesFor("", null)).isEmpty();
    }

    @Test
    void namedExchangeRoutesThroughItsBindings() {
        assertThat(tables.queuesFor("tasks", "fast")).containsExactlyInAnyOrder("fast-q", "fast-audit");
        assertThat(tables.queuesFor("tasks", "slow")).containsExactly("slow-q");
        assertThat(tables.queuesFor("tasks", "none")).isEmpty();
        assertThat(tables.queuesFor("unknown", "fast")).isEmpty();
        assertThat(tables.queuesFor("topic", "reports.daily")).containsExactly("reports-q");
        assertThat(tables.queuesFor("topic", "other.daily")).isEmpty();
    }
}
