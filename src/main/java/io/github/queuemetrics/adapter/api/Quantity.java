package io.github.queuemetrics.adapter.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Formats a metric value as a canonical Kubernetes decimal quantity ({@code resource.Quantity}
 * with DecimalSI format): the largest SI suffix that keeps the mantissa an integer, so 12 is
 * {@code "12"}, 1.5 is {@code "1500m"}, 2000 is {@code "2k"}, 1500 is {@code "1500"}.
 *
 * <p>Rounding: the HPA reads every value with {@code MilliValue()}, which rounds up to 1/1000.
 * Values of at least 1m are therefore rounded up to whole milli-units here (0.3333 becomes
 * {@code "334m"}), so {@code kubectl get --raw} shows exactly what the HPA computes with. Values
 * between 0 and 1m (a slow arrival rate) keep their magnitude, rounded up to nano-units, the
 * precision Kubernetes itself stores (0.0005 becomes {@code "500u"}); the HPA reads them as 1m
 * either way, but a dashboard sees the real size rather than a made-up 1m.
 *
 * <p>Negative, NaN and infinite values are rejected with {@link IllegalArgumentException}: the
 * counts and rates served here are never negative, and a broken value must surface as an error
 * (the caller answers a 500 Status) rather than reach an HPA as a number.
 */
public final class Quantity {

    private static final BigDecimal ONE_MILLI = new BigDecimal("0.001");
    private static final String[] DECIMAL_SUFFIXES = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    private static final int SMALLEST_EXPONENT = -9;
    private static final int LARGEST_EXPONENT = 18;

    private Quantity() {
    }

    /**
     * The canonical quantity string for {@code value}.
     *
     * @throws IllegalArgumentException for NaN, infinities and negative values
     */
    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
        if (value < 0) {
            throw new IllegalArgumentException("negative value: " + value);
        }
        // Counts below 1000 are their own canonical form ("12"); from 1000 up a suffix may apply.
        if (value < 1000 && value == Math.rint(value)) {
            return Long.toString((long) value);
        }
        // valueOf goes through Double.toString, so 0.1 is 0.1 and not 0.1000000000000000055...,
        // which would otherwise round up to 101m.
        return format(BigDecimal.valueOf(value));
    }

    /** As {@link #format(double)} for an exact decimal value. */
    public static String format(BigDecimal value) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("negative value: " + value.toPlainString());
        }
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal rounded = value.compareTo(ONE_MILLI) >= 0
                ? value.setScale(3, RoundingMode.CEILING)
                : value.setScale(-SMALLEST_EXPONENT, RoundingMode.CEILING);
        return canonical(rounded.stripTrailingZeros());
    }

    /** Mantissa times 10^exponent, with the exponent lowered to a multiple of 3 (Go's AsCanonicalBytes). */
    private static String canonical(BigDecimal value) {
        BigInteger unscaled = value.unscaledValue();
        int exponent = -value.scale();
        int suffixExponent = Math.floorDiv(exponent, 3) * 3;
        BigInteger mantissa = unscaled.multiply(BigInteger.TEN.pow(exponent - suffixExponent));
        if (suffixExponent > LARGEST_EXPONENT) {
            // Beyond "E" Kubernetes writes a decimal exponent; no queue gets here, but stay well-formed.
            return mantissa + "e" + suffixExponent;
        }
        return mantissa + DECIMAL_SUFFIXES[(suffixExponent - SMALLEST_EXPONENT) / 3];
    }
}
