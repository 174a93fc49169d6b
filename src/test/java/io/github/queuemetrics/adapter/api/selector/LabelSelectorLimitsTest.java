package io.github.queuemetrics.adapter.api.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.model.LabelSelector;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Hostile selectors: bounded length, bounded requirements, a cache bounded by size. */
class LabelSelectorLimitsTest {

    @Test
    void aSelectorLongerThanTheLimitIsRejected() {
        String values = IntStream.range(0, 400).mapToObj(i -> "queue-number-" + i).collect(Collectors.joining(","));
        String selector = "queue in (" + values + ")";
        assertThat(selector.length()).isGreaterThan(4096);
        assertThatThrownBy(() -> LabelSelectors.parse(selector))
                .isInstanceOf(LabelSelectorSyntaxException.class)
                .hasMessage("labelSelector is " + selector.length() + " characters long; this adapter accepts at most 4096");
    }

    @Test
    void aSelectorWithTooManyRequirementsIsRejected() {
        String selector = IntStream.range(0, 33).mapToObj(i -> "k" + i + "=v").collect(Collectors.joining(","));
        assertThat(selector.length()).isLessThan(4096);
        assertThatThrownBy(() -> LabelSelectors.parse(selector))
                .isInstanceOf(LabelSelectorSyntaxException.class)
                .hasMessage("labelSelector has 33 requirements; this adapter accepts at most 32");
        String allowed = IntStream.range(0, 32).mapToObj(i -> "k" + i + "!=v").collect(Collectors.joining(","));
        assertThat(LabelSelectors.parse(allowed).matches(Map.of("queue", "a"))).isTrue();
    }

    @Test
    void theCacheIsBoundedByTotalSize() {
        // 3,000 distinct selectors of about 4,000 characters: 12 M characters if all were kept
        for (int i = 0; i < 3_000; i++) {
            String values = IntStream.range(0, 280).mapToObj(j -> "q" + j).collect(Collectors.joining(","));
            String selector = "queue in (" + values + "),source=s" + i;
            assertThat(selector.length()).isBetween(1_000, 4_096);
            LabelSelectors.parse(selector);
            assertThat(LabelSelectors.cachedChars()).isLessThanOrEqualTo(SelectorCache.MAX_CHARS);
        }
    }

    @Test
    void aLargeSetIsMatchedExactly() {
        String values = IntStream.range(0, 300).mapToObj(i -> "q" + i).sorted().collect(Collectors.joining(","));
        LabelSelector in = LabelSelectors.parse("queue in (" + values + ")");
        LabelSelector notIn = LabelSelectors.parse("queue notin (" + values + ")");
        for (int i = 0; i < 300; i++) {
            assertThat(in.matches(Map.of("queue", "q" + i))).isTrue();
            assertThat(notIn.matches(Map.of("queue", "q" + i))).isFalse();
        }
        assertThat(in.matches(Map.of("queue", "q300"))).isFalse();
        assertThat(notIn.matches(Map.of("queue", "q300"))).isTrue();
        assertThat(in.matches(Map.of("source", "s"))).isFalse();
    }
}
