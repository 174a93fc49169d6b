package io.github.queuemetrics.adapter.source.rq;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.DateTimeException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses RQ job timestamps ({@code enqueued_at}, {@code created_at}).
 *
 * <p>RQ writes {@code %Y-%m-%dT%H:%M:%S.%fZ} (UTC, microseconds); older releases wrote
 * {@code %Y-%m-%dT%H:%M:%SZ} (rq/utils.py utcparse reads both). To be lenient with other
 * writers (hand-made or third-party clients) this also accepts an explicit offset
 * ({@code +00:00}), a space instead of {@code T}, no zone at all (read as UTC, as RQ means) and
 * epoch seconds. Anything else, or a time out of {@link Instant}'s range, is empty rather than a guess.
 */
final class RqTimestamps {

    private static final Pattern EPOCH_SECONDS = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern HAS_ZONE = Pattern.compile(".*(Z|[+-]\\d\\d(:?\\d\\d)?)$");

    private RqTimestamps() {
    }

    static Optional<Instant> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String text = raw.trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (EPOCH_SECONDS.matcher(text).matches()) {
                BigDecimal seconds = new BigDecimal(text);
                return Optional.of(Instant.ofEpochSecond(seconds.longValue(),
                        seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue()));
            }
            text = text.replace(' ', 'T');
            if (text.endsWith("z")) {
                text = text.substring(0, text.length() - 1) + "Z";
            }
            int t = text.indexOf('T');
            // only look for an offset after the date part (its dashes are not an offset)
            if (t > 0 && HAS_ZONE.matcher(text.substring(t)).matches()) {
                return Optional.of(OffsetDateTime.parse(normaliseOffset(text)).toInstant());
            }
            return Optional.of(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
        } catch (DateTimeException | ArithmeticException e) {
            // DateTimeException also covers an Instant out of range (e.g. 20 digits of epoch seconds)
            return Optional.empty();
        }
    }

    /** {@code +0000} and {@code +00} become {@code +00:00}, which java.time's ISO parser wants. */
    private static String normaliseOffset(String text) {
        if (text.endsWith("Z")) {
            return text;
        }
        int sign = Math.max(text.lastIndexOf('+'), text.lastIndexOf('-'));
        String offset = text.substring(sign + 1);
        if (offset.length() == 4) {
            offset = offset.substring(0, 2) + ":" + offset.substring(2);
        } else if (offset.length() == 2) {
            offset = offset + ":00";
        }
        return text.substring(0, sign + 1) + offset;
    }
}
