package io.github.queuemetrics.adapter.testsupport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A missing Prometheus binary fails the test that needs it, saying what to install: never a skip. */
class PrometheusServerTest {

    @Test
    void aMissingBinaryIsAnErrorSayingWhatToInstall() {
        assertThatThrownBy(() -> PrometheusServer.require(Path.of("/nonexistent/promtool")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/nonexistent/promtool not found")
                .hasMessageContaining("prometheus package")
                .hasMessageContaining("adapter/setup-local.sh");
    }
}
