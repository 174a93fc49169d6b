package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text-format reader on hand-written lines: escapes, special values, and what it refuses. */
class PrometheusTextTest {

    private static PrometheusText.Scrape parse(String text) throws IOException {
        return PrometheusText.parse(text, Set.of("m"));
    }

    @Test
    void readsNameLabelsAndValueAndSkipsComments() throws IOException {
        PrometheusText.Scrape scrape = parse("""
                # HELP m a gauge
                # TYPE m gauge
                # free text
                m{vhost="/",queue="celery"} 3

                other{a="b"} 1
                m 7 1700000000000
                """);
        assertThat(scrape.declared()).containsExactly("m");
        assertThat(scrape.series()).containsExactly(
                new PrometheusText.Series("m", Map.of("vhost", "/", "queue", "celery"), 3),
                new PrometheusText.Series("m", Map.of(), 7));
    }

    @Test
    void unescapesLabelValues() throws IOException {
        PrometheusText.Series s = parse("m{queue=\"a\\\\b \\\"c\\\" d\\ne\", x = \"\" ,} 1\n").series().get(0);
        assertThat(s.labels()).containsEntry("queue", "a\\b \"c\" d\ne").containsEntry("x", "");
    }

    @Test
    void readsSpecialAndExponentValues() throws IOException {
        PrometheusText.Scrape scrape = parse("m NaN\nm +Inf\nm -Inf\nm 1.5e3\nm -0.25\n");
        assertThat(scrape.series()).extracting(PrometheusText.Series::value)
                .containsExactly(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1500.0, -0.25);
    }

    @Test
    void refusesMalformedLinesNamingTheLine() {
        assertThatThrownBy(() -> parse("# TYPE m gauge\nm{queue=\"a\"}\n"))
                .isInstanceOf(IOException.class).hasMessage("line 2: expected a value after the metric: m{queue=\"a\"}");
        assertThatThrownBy(() -> parse("m{queue=\"a} 1\n"))
                .hasMessageStartingWith("line 1: the value of label queue is not closed by '\"'");
        assertThatThrownBy(() -> parse("m 12abc\n")).hasMessageStartingWith("line 1: '12abc' is not a value");
        assertThatThrownBy(() -> parse("m Infinity\n")).hasMessageStartingWith("line 1: 'Infinity' is not a value");
        assertThatThrownBy(() -> parse("m 1d\n")).hasMessageStartingWith("line 1: '1d' is not a value");
        assertThatThrownBy(() -> parse("m 1 soon\n"))
                .hasMessageStartingWith("line 1: after the value only a timestamp (milliseconds) may follow");
        assertThatThrownBy(() -> parse("m{queue=\"a\",queue=\"b\"} 1\n"))
                .hasMessageStartingWith("line 1: label queue appears twice");
        assertThatThrownBy(() -> parse("m{queue:\"a\"} 1\n")).hasMessageStartingWith("line 1: expected '=' after label queue");
        assertThatThrownBy(() -> parse("m{1q=\"a\"} 1\n")).hasMessageStartingWith("line 1: expected a label name or '}'");
        assertThatThrownBy(() -> parse("{queue=\"a\"} 1\n")).hasMessageStartingWith("line 1: expected a metric name");
        assertThatThrownBy(() -> parse("m{queue=\"a\\t\"} 1\n"))
                .hasMessageStartingWith("line 1: unknown escape '\\t' in the value of label queue");
    }

    /** Captured from RabbitMQ 3.10.8: it writes '"' and '\' in a queue name unescaped, which is unreadable. */
    @Test
    void refusesTheUnescapedLabelValuesOfRabbitMq310() {
        String quote = "rabbitmq_detailed_queue_messages_ready{vhost=\"i9-prom-fixture\",queue=\"with \"quote\" and \\ back\"} 2\n";
        assertThatThrownBy(() -> parse(quote)).isInstanceOf(IOException.class).hasMessageStartingWith(
                "line 1: expected ',' or '}' after the value of label queue (an unescaped '\"' in a label value?)");
        String backslash = "rabbitmq_detailed_queue_messages_ready{vhost=\"i9-prom-fixture\",queue=\"back\\ slash\"} 2\n";
        assertThatThrownBy(() -> parse(backslash)).hasMessageStartingWith(
                "line 1: unknown escape '\\ ' in the value of label queue (only \\\\, \\\" and \\n; an unescaped '\\' in a label value?)");
    }
}
