package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
            // the canonical examples of apimachinery's quantity.go
            "12, 12",
            "1.5, 1500m",
            "2000, 2k",
            "1500, 1500",
            "0.1, 100m",
            "0, 0",
            "-0.0, 0",
            "0.0005, 500u",
            // integers
            "1, 1",
            "10, 10",
            "1000000, 1M",
            "1200000, 1200k",
            "3000000000, 3G",
            "999, 999",
            "1001, 1001",
            // fractions that binary doubles cannot hold exactly must not gain a milli
            "0.3, 300m",
            "1.1, 1100m",
            "2.675, 2675m",
            "0.001, 1m",
            // rounded up to milli, like the HPA's MilliValue()
            "0.3333, 334m",
            "0.33333333333, 334m",
            "0.0011, 2m",
            "12.0001, 12001m",
            "0.9999, 1",
            "1999.9999, 2k",
            // below 1m: kept to nano precision, rounded up
            "0.00033333, 333330n",
            "0.000000001, 1n",
            "0.0000000001, 1n",
            "0.00002, 20u",
            // large values stay exact
            "9007199254740992, 9007199254740992",
            "1e18, 1E",
            "2.5e19, 25E",
            "1e21, 1e21",
    })
    void formatsCanonicalQuantities(double value, String expected) {
        assertThat(Quantity.format(value)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(doubles = {0, 12, 1.5, 2000, 1500, 0.1, 0.0005, 0.3333, 0.9999, 1e-10, 123456.789, 42.000001,
            7e15, 0.5, 3.0e-4})
    void roundTripsThroughFabric8Quantity(double value) {
        String formatted = Quantity.format(value);
        BigDecimal parsed = new io.fabric8.kubernetes.api.model.Quantity(formatted).getNumericalAmount();

        BigDecimal exact = BigDecimal.valueOf(value);
        // What the HPA reads: MilliValue() = ceil(value * 1000); the output must agree on it.
        BigDecimal expectedMilli = exact.movePointRight(3).setScale(0, RoundingMode.CEILING);
        assertThat(parsed.movePointRight(3).setScale(0, RoundingMode.CEILING)).isEqualByComparingTo(expectedMilli);
        // Never below the true value, and at most one milli (or one nano below 1m) above it.
        assertThat(parsed).isGreaterThanOrEqualTo(exact);
        assertThat(parsed.subtract(exact)).isLessThan(new BigDecimal("0.001"));
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1, -0.001, -1e-12})
    void rejectsValuesThatMustNeverReachAnHpa(double value) {
        assertThatThrownBy(() -> Quantity.format(value)).isInstanceOf(IllegalArgumentException.class);
    }
}
