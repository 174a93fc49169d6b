package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnackedRouteTest {

    private static Optional<UnackedRoute> parse(String json) {
        return UnackedRoute.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsExchangeAndRoutingKeyOfAKombuValue() {
        String envelope = "{\"body\": \"W1s0MF0sIHt9XQ==\", \"headers\": {\"id\": \"5f9f\", \"argsrepr\": \"('a\\\", \\\"b',)\"},"
                + " \"properties\": {\"delivery_info\": {\"exchange\": \"\", \"routing_key\": \"other\"},"
                + " \"delivery_tag\": \"27227494\"}}";
        assertThat(parse("[" + envelope + ", \"\", \"short-running-tasks\"]"))
                .contains(new UnackedRoute("", "short-running-tasks"));
        assertThat(parse("[" + envelope + ",\"celery\",\"celery\"]")).contains(new UnackedRoute("celery", "celery"));
        assertThat(parse("[" + envelope + " ,\n \"ex\" , \"rk\" ]\n")).contains(new UnackedRoute("ex", "rk"));
    }

    @Test
    void decodesEscapesAsPythonJsonDumpsWritesThem() {
        // Output of kombu.utils.json.dumps([{"a": "x\"]"}, "ex", "q\"uo\\te, \"x\"]é😀\n"]) on kombu 5.2.4
        String value = "[{\"a\": \"x\\\"]\"}, \"ex\", \"q\\\"uo\\\\te, \\\"x\\\"]\\u00e9\\ud83d\\ude00\\n\"]";
        assertThat(parse(value)).contains(new UnackedRoute("ex", "q\"uo\\te, \"x\"]é😀\n"));
    }

    @Test
    void routingKeyEndingInBackslashIsNotMistakenForAnEscapedQuote() {
        // routing key `a\` is written "a\\": the closing quote follows an even run of backslashes
        assertThat(parse("[{}, \"ex\\\\\", \"a\\\\\"]")).contains(new UnackedRoute("ex\\", "a\\"));
        // routing key `\"` (backslash quote) is written "\\\""
        assertThat(parse("[{}, \"\", \"\\\\\\\"\"]")).contains(new UnackedRoute("", "\\\""));
    }

    @Test
    void acceptsRawUtf8AndNulls() {
        assertThat(parse("[{}, \"échange\", \"файл-очередь\"]")).contains(new UnackedRoute("échange", "файл-очередь"));
        assertThat(parse("[{}, \"\", null]")).contains(new UnackedRoute("", null));
        assertThat(parse("[{}, null, \"q\"]")).contains(new UnackedRoute(null, "q"));
        assertThat(parse("[{}, \"\", \"\"]")).contains(new UnackedRoute("", ""));
    }

    @Test
    void rejectsValuesThatDoNotEndLikeKombus() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("{}")).isEmpty();
        assertThat(parse("[\"q\"]")).isEmpty();                 // one element only
        assertThat(parse("[\"ex\", \"q\"]")).isEmpty();         // no envelope before the route
        assertThat(parse("[{}, \"ex\", \"q\"")).isEmpty();      // truncated
        assertThat(parse("[{}, \"ex\", 5]")).isEmpty();
        assertThat(parse("q\"]")).isEmpty();                     // no opening quote
        assertThat(parse("[{}, \"ex\", \"bad\\x\"]")).isEmpty(); // invalid escape
        assertThat(parse("[{}, \"ex\", \"bad\\u12\"]")).isEmpty();
    }
}
