package io.github.queuemetrics.adapter.source.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class QueueSelectionTest {

    @Test
    void aPatternFindsNamesButNotCeleryPlumbing() {
        QueueSelection s = QueueSelection.pattern(Pattern.compile("^celery"));
        assertThat(s.isFixed()).isFalse();
        assertThat(s.discovers("celery")).isTrue();
        assertThat(s.discovers("celery-high")).isTrue();
        assertThat(s.discovers("short-running-tasks")).isFalse();
        assertThat(s.discovers("celery@worker-1.celery.pidbox")).isFalse();
        assertThat(s.discovers("celeryev.4c1d0d3e-2b6e-4a8e-9f53-9d6f3c1e0a11")).isFalse();
    }

    @Test
    void aPatternIsUnanchored() {
        assertThat(QueueSelection.pattern(Pattern.compile("tasks")).discovers("short-running-tasks")).isTrue();
        assertThat(QueueSelection.pattern(Pattern.compile("^tasks$")).discovers("short-running-tasks")).isFalse();
    }

    @Test
    void aPatternThatNamesThePlumbingGetsIt() {
        assertThat(QueueSelection.pattern(Pattern.compile("pidbox$")).discovers("celery@w1.celery.pidbox")).isTrue();
        assertThat(QueueSelection.pattern(Pattern.compile("^celeryev\\.")).discovers("celeryev.abc")).isTrue();
        assertThat(QueueSelection.pattern(Pattern.compile("^celeryev\\.")).discovers("x.celeryev.pidbox")).isFalse();
    }

    @Test
    void aFixedListIsTakenAsWritten() {
        QueueSelection s = QueueSelection.fixed(List.of("celery", "celery@w1.celery.pidbox"));
        assertThat(s.isFixed()).isTrue();
        assertThat(s.fixedQueues()).containsExactly("celery", "celery@w1.celery.pidbox");
        assertThat(s.discovers("celery")).isFalse();
    }
}
