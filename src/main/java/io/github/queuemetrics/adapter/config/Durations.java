package io.github.queuemetrics.adapter.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the configuration: a number with a unit ({@code 500ms}, {@code 5s},
 * {@code 1m}, {@code 1h}) or several of them from the largest unit down ({@code 1m30s},
 * {@code 1h30m}, {@code 1s500ms}). A bare number is rejected: {@code 5} could mean seconds or
 * milliseconds, and guessing wrong makes a poller hammer the broker or go silent.
 */
public final class Durations {

    /** Units in the order they must appear; "ms" is listed before "m" so the regex prefers it. */
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");
    private static final Pattern BARE_NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a message fit to follow "field: " in an error line
     */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 5s, 1m or 1h");
        }
        if (BARE_NUMBER.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + s + "' needs a unit: ms, s, m or h (e.g. " + s + "s)");
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int position = 0;
        int lastRank = -1;
        while (position < s.length()) {
            if (!m.find(position) || m.start() != position) {
                throw new IllegalArgumentException(
                        "'" + s + "' is not a duration; write e.g. 500ms, 5s, 1m30s or 1h");
            }
            int rank = rank(m.group(2));
            if (rank <= lastRank) {
                throw new IllegalArgumentException(
                        "'" + s + "' is not a duration; give each unit once, largest first (e.g. 1m30s)");
            }
            lastRank = rank;
            long amount;
            try {
                amount = Long.parseLong(m.group(1));
                total = total.plus(unit(m.group(2)).multipliedBy(amount));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("'" + s + "' is too large");
            }
            position = m.end();
        }
        return total;
    }

    /** The shortest configuration spelling of {@code d}: 5s, 1m30s, 500ms, 1h. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        int millis = d.toMillisPart();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0) {
            out.append(seconds).append('s');
        }
        if (millis > 0) {
            out.append(millis).append("ms");
        }
        return out.toString();
    }

    private static int rank(String unit) {
        return switch (unit) {
            case "h" -> 0;
            case "m" -> 1;
            case "s" -> 2;
            default -> 3;
        };
    }

    private static Duration unit(String unit) {
        return switch (unit) {
            case "h" -> Duration.ofHours(1);
            case "m" -> Duration.ofMinutes(1);
            case "s" -> Duration.ofSeconds(1);
            default -> Duration.ofMillis(1);
        };
    }
}
