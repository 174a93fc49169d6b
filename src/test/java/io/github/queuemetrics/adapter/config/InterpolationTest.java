package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InterpolationTest {

    static final Map<String, String> ENV = Map.of("USER", "celery", "EMPTY", "", "NESTED", "${USER}",
            "YAMLISH", "a: b, [c]\n# d");

    static Stream<Arguments> resolved() {
        return Stream.of(
                arguments("no references", "no references"),
                arguments("${USER}", "celery"),
                arguments("amqp://${USER}:${USER}@h", "amqp://celery:celery@h"),
                arguments("${USER:-other}", "celery"),
                arguments("${MISSING:-other}", "other"),
                arguments("${EMPTY:-other}", "other"),
                arguments("${EMPTY}", ""),
                arguments("${MISSING:-}", ""),
                arguments("${MISSING:-a:-b c}", "a:-b c"),
                arguments("$${USER}", "${USER}"),
                // left to right: a lone $ then the escape $${ (only $${ is special, not $$)
                arguments("$$${USER}", "$${USER}"),
                arguments("$$", "$$"),
                arguments("cost: $5 and $USER", "cost: $5 and $USER"),
                arguments("$", "$"),
                arguments("${NESTED}", "${USER}"),
                arguments("${YAMLISH}", "a: b, [c]\n# d"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("resolved")
    void resolves(String text, String expected) {
        assertThat(Interpolation.resolve(text, ENV)).isEqualTo(expected);
    }

    @Test
    void anUnsetVariableWithoutDefaultIsAnError() {
        assertThatThrownBy(() -> Interpolation.resolve("x${MISSING}y", ENV))
                .hasMessage("environment variable MISSING is not set (set it, or give a default: ${MISSING:-value})");
        assertThatThrownBy(() -> Interpolation.resolve("${A}${USER}${B}", ENV))
                .hasMessageStartingWith("environment variables A, B are not set");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"${", "${USER", "${1X}", "${}", "${A B}", "${A:x}", "a${-}"})
    void aMalformedReferenceIsAnError(String text) {
        assertThatThrownBy(() -> Interpolation.resolve(text, ENV))
                .hasMessageStartingWith("malformed ${...} reference at character ")
                .hasMessageContaining("$${ for a literal ${");
    }
}
