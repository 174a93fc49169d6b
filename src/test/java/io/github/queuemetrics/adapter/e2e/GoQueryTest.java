package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The expected strings are what Go's url.Values{...}.Encode() prints for the same input. */
class GoQueryTest {

    @Test
    void encodesSelectorsLikeGo() {
        assertThat(GoQuery.encode(Map.of("labelSelector", "queue in (a,b),source=redis")))
                .isEqualTo("labelSelector=queue+in+%28a%2Cb%29%2Csource%3Dredis");
        assertThat(GoQuery.encode(Map.of("labelSelector", "!canary,tier notin (x_y.z~)")))
                .isEqualTo("labelSelector=%21canary%2Ctier+notin+%28x_y.z~%29");
    }

    @Test
    void escapesWhatJavasUrlEncoderKeepsAndKeepsTheTilde() {
        assertThat(GoQuery.queryEscape("a*b~c")).isEqualTo("a%2Ab~c");
        assertThat(GoQuery.queryEscape("é")).isEqualTo("%C3%A9");
    }

    @Test
    void sortsKeys() {
        assertThat(GoQuery.encode(Map.of("b", "2", "a", "1"))).isEqualTo("a=1&b=2");
    }
}
