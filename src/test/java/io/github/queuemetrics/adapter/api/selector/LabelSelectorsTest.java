package io.github.queuemetrics.adapter.api.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.model.LabelSelector;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelSelectorsTest {

    private static final String KEY_64 = "k".repeat(64);
    private static final String VALUE_64 = "v".repeat(64);

    /** "k=v;k2=v2" (";" separates labels, "-" alone = no labels) into a label map. */
    private static Map<String, String> labels(String spec) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (spec.equals("-")) {
            return labels;
        }
        for (String pair : spec.split(";", -1)) {
            int eq = pair.indexOf('=');
            labels.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return labels;
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' vs {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // equality
            "queue=a                       | queue=a               | true",
            "queue=a                       | queue=b               | false",
            "queue=a                       | -                     | false",
            "queue==a                      | queue=a               | true",
            "queue==a                      | queue=b               | false",
            // != matches an absent label (Kubernetes semantics)
            "queue!=a                      | queue=b               | true",
            "queue!=a                      | queue=a               | false",
            "queue!=a                      | source=x              | true",
            // set based
            "queue in (a,b)                | queue=a               | true",
            "queue in (a,b)                | queue=b               | true",
            "queue in (a,b)                | queue=c               | false",
            "queue in (a,b)                | -                     | false",
            "queue notin (a,b)             | queue=c               | true",
            "queue notin (a,b)             | queue=a               | false",
            "queue notin (a,b)             | -                     | true",
            // existence
            "queue                         | queue=anything        | true",
            "queue                         | source=x              | false",
            "!queue                        | source=x              | true",
            "!queue                        | queue=a               | false",
            // conjunctions, as the HPA renders matchLabels
            "queue=x,source=rabbit         | source=rabbit;queue=x | true",
            "queue=x,source=rabbit         | source=redis;queue=x  | false",
            "source=rabbit,queue in (a,b)  | source=rabbit;queue=b | true",
            "source=rabbit,!vhost          | source=rabbit;queue=b | true",
            "source=rabbit,!vhost          | source=rabbit;vhost=v | false",
            // whitespace tolerance (space, tab, newline)
            "\" source = rabbit , queue in ( a , b ) \" | source=rabbit;queue=a | true",
            "\"queue\tin\t(a)\"            | queue=a               | true",
            "\"queue=a,\nsource=r\"        | queue=a;source=r      | true",
            "\"queue in(a)\"               | queue=a               | true",
            // empty values are legal
            "queue=                        | queue=                | true",
            "queue=                        | queue=a               | false",
            "\"x in (foo,,baz),y,z notin ()\" | x=;y=1             | true",
            "\"x in (foo,,baz),y,z notin ()\" | x=baz;y=1;z=       | false",
            "\"x in (foo,,baz),y,z notin ()\" | x=baz;y=1;z=q      | true",
            "\"q in (,a)\"                 | q=                    | true",
            "\"q in (a,)\"                 | q=                    | true",
            // keywords are values (and keys) outside operator position
            "x in (in)                     | x=in                  | true",
            "x notin (notin)               | x=notin               | false",
            "in=notin                      | in=notin              | true",
            "in                            | in=1                  | true",
            // prefixed keys
            "example.com/queue=a           | example.com/queue=a   | true",
            "example.com/queue=a           | queue=a               | false",
            // integer comparisons
            "n>5                           | n=6                   | true",
            "n>5                           | n=5                   | false",
            "n>5                           | n=abc                 | false",
            "n>5                           | -                     | false",
            "n<5                           | n=4                   | true",
            "n<5                           | n=5                   | false",
    })
    void matchesLikeKubernetes(String selector, String labelSpec, boolean expected) {
        assertThat(LabelSelectors.parse(selector).matches(labels(labelSpec))).isEqualTo(expected);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t", " \n "})
    void absentOrEmptySelectorMatchesEverything(String raw) {
        LabelSelector selector = LabelSelectors.parse(raw);
        assertThat(selector.matches(Map.of())).isTrue();
        assertThat(selector.matches(Map.of("queue", "a"))).isTrue();
        assertThat(selector.admits("queue", "anything")).isTrue();
        assertThat(selector).hasToString("");
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "queue=a                  | queue=a",
            "queue == a               | queue==a",
            "z=1,a=2                  | a=2,z=1",
            "queue in (b,a,a)         | queue in (a,b)",
            "queue notin ()           | queue notin ()",
            "\" !queue , source \"    | !queue,source",
            "n > 5                    | n>5",
    })
    void printsCanonicalForm(String raw, String canonical) {
        assertThat(LabelSelectors.parse(raw)).hasToString(canonical);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("queue in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
                Arguments.of("queue in a", "unable to parse requirement: found 'a' expected: '('"),
                Arguments.of("queue in", "unable to parse requirement: found '' expected: '('"),
                Arguments.of("queue notin (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
                Arguments.of("queue in (a=b)", "unable to parse requirement: found '=', expected: ',' or ')'"),
                Arguments.of("queue in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
                Arguments.of("queue in ((a))", "found '(', expected: ',', ')' or identifier"),
                Arguments.of("=a", "found '=', expected: !, identifier, or 'end of string'"),
                Arguments.of(",", "found ',', expected: !, identifier, or 'end of string'"),
                Arguments.of(")", "found ')', expected: !, identifier, or 'end of string'"),
                Arguments.of("a,", "found '', expected: identifier after ','"),
                Arguments.of("a,,b", "found ',', expected: identifier after ','"),
                Arguments.of("a=b,(", "found '(', expected: identifier after ','"),
                Arguments.of("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
                Arguments.of("a!b", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"),
                Arguments.of("a=b c", "found 'c', expected: ',' or 'end of string'"),
                Arguments.of("a=b=c", "found '=', expected: ',' or 'end of string'"),
                Arguments.of("!a=b", "found '=', expected: ',' or 'end of string'"),
                Arguments.of("a in ()x", "found 'x', expected: ',' or 'end of string'"),
                Arguments.of("!", "unable to parse requirement: found '', expected: identifier"),
                Arguments.of("!!a", "unable to parse requirement: found '!', expected: identifier"),
                Arguments.of("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
                Arguments.of("a=!b", "unable to parse requirement: found '!', expected: identifier"),
                // key validation (qualified names)
                Arguments.of("Queue/x=a", "prefix part a lowercase RFC 1123 subdomain must consist of"),
                Arguments.of("a/b/c=d", "a qualified name must consist of alphanumeric characters"),
                Arguments.of("/a=b", "Invalid value: \"/a\": prefix part must be non-empty"),
                Arguments.of("a/=b", "Invalid value: \"a/\": name part must be non-empty"),
                Arguments.of("-a=b", "Invalid value: \"-a\": name part must consist of alphanumeric characters"),
                Arguments.of("a_=b", "name part must consist of alphanumeric characters"),
                Arguments.of("qu\u00e9ue=b", "name part must consist of alphanumeric characters"),
                Arguments.of(KEY_64 + "=b", "name part must be no more than 63 characters"),
                Arguments.of("!" + KEY_64, "name part must be no more than 63 characters"),
                // value validation (label values)
                Arguments.of("a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": "
                        + "a valid label must be an empty string or consist of alphanumeric characters"),
                Arguments.of("a=b@c", "values[0][a]: Invalid value: \"b@c\": a valid label must be"),
                Arguments.of("a=" + VALUE_64, "must be no more than 63 characters"),
                Arguments.of("a in (x,-y)", "values[0][a]: Invalid value: \"-y\""),
                Arguments.of("a notin (x,y.)", "values[1][a]: Invalid value: \"y.\""),
                Arguments.of("a in (-x,-y)", "unable to parse requirement: [values[0][a]: Invalid value: \"-x\""),
                // integer comparisons
                Arguments.of("n>abc", "values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer"),
                Arguments.of("n<", "for 'Gt', 'Lt' operators, the value must be an integer"),
                // an integer bound must still be a valid label value, so negative bounds are rejected
                Arguments.of("n>-3", "values[0][n]: Invalid value: \"-3\": a valid label must be"),
                Arguments.of("n>99999999999999999999", "for 'Gt', 'Lt' operators, the value must be an integer"));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @MethodSource("malformed")
    void rejectsMalformedSelectorsWithKubernetesMessages(String raw, String expectedMessagePart) {
        assertThatThrownBy(() -> LabelSelectors.parse(raw))
                .isInstanceOf(LabelSelectorSyntaxException.class)
                .hasMessageContaining(expectedMessagePart);
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' admits {1}={2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "source=rabbit,queue in (a,b) | source | rabbit | true",
            "source=rabbit,queue in (a,b) | source | redis  | false",
            "source=rabbit,queue in (a,b) | queue  | a      | true",
            "source=rabbit,queue in (a,b) | queue  | c      | false",
            // requirements on other keys are ignored: they might hold
            "source=rabbit,queue in (a,b) | vhost  | v      | true",
            "!queue                       | queue  | x      | false",
            "queue                        | queue  | x      | true",
            "queue notin (a)              | queue  | a      | false",
            "queue notin (a)              | queue  | b      | true",
            "queue!=a                     | queue  | a      | false",
            "queue!=a,queue!=b            | queue  | b      | false",
            "n>5                          | n      | 7      | true",
            "n>5                          | n      | x      | false",
    })
    void admitsChecksOnlyRequirementsOnThatKey(String raw, String key, String value, boolean expected) {
        assertThat(LabelSelectors.parse(raw).admits(key, value)).isEqualTo(expected);
    }

    @Test
    void everythingMatchesAnyLabels() {
        assertThat(LabelSelectors.everything().matches(Map.of("a", "b"))).isTrue();
        assertThat(LabelSelectors.everything().admits("queue", "x")).isTrue();
    }
}
