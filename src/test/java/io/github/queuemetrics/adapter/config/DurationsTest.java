package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
        "500ms, 500",
        "5s, 5000",
        "1m, 60000",
        "1h, 3600000",
        "1m30s, 90000",
        "1h30m, 5400000",
        "1s500ms, 1500",
        "2h3m4s5ms, 7384005",
        "90s, 90000",
        "' 5s ', 5000",
    })
    void parses(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "500", "1.5"})
    void aBareNumberNeedsAUnit(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageStartingWith("'" + text + "' needs a unit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"5x", "s", "5 s", "-5s", "1.5s", "5sec", "1d", "ms5", "5s5"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("is not a duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"30s1m", "5s5s", "500ms1s"})
    void unitsMustBeDescendingAndUnique(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("largest first");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void rejectsEmpty(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("must be a duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999s", "9223372036854775807h"})
    void rejectsOverflow(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("too large");
    }

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({"500, 500ms", "5000, 5s", "60000, 1m", "90000, 1m30s", "3600000, 1h", "3661001, 1h1m1s1ms", "0, 0s"})
    void formatsAndRoundTrips(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }
}
