package io.github.queuemetrics.adapter.source.rq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RqTimestampsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "2026-11-23T19:35:20.880237Z   | 2026-11-23T19:35:20.880237Z", // rq 1.x/2.x utcformat
        "2026-11-23T19:35:20Z          | 2026-11-23T19:35:20Z",        // older rq
        "2026-11-23T19:35:20.88Z       | 2026-11-23T19:35:20.880Z",
        "2026-11-23T19:35:20.880237+00:00 | 2026-11-23T19:35:20.880237Z",
        "2026-11-23T21:35:20+02:00     | 2026-11-23T19:35:20Z",
        "2026-11-23T19:35:20.5+0000    | 2026-11-23T19:35:20.5Z",
        "2026-11-23T14:35:20-05       | 2026-11-23T19:35:20Z",
        "2026-11-23 19:35:20.880237    | 2026-11-23T19:35:20.880237Z",  // no zone: RQ means UTC
        "2026-11-23T19:35:20.880237z   | 2026-11-23T19:35:20.880237Z",
        "1795462520.25                 | 2026-11-23T19:35:20.250Z",      // epoch seconds
        "1795462520                    | 2026-11-23T19:35:20Z",
    })
    void parsesTheFormatsSeen(String raw, String expected) {
        assertThat(RqTimestamps.parse(raw)).contains(Instant.parse(expected.trim()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "yesterday", "2026-13-40T99:00:00Z", "2026-11-23",
        "99999999999999999999", "1e400"})
    void rejectsWhatItCannotRead(String raw) {
        assertThat(RqTimestamps.parse(raw)).isEmpty();
    }

    @Test
    void nullIsEmpty() {
        assertThat(RqTimestamps.parse(null)).isEmpty();
    }
}
