package io.github.queuemetrics.adapter.source.rabbitmq;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Prometheus text exposition format (version 0.0.4), only as far as the RabbitMQ source
 * needs it: each sample line's metric name, labels and value ({@code NaN}, {@code +Inf} and
 * {@code -Inf} included; a timestamp after the value is allowed and ignored), and the names that
 * {@code # TYPE} lines declare. Other comments ({@code # HELP}, free text) and empty lines are
 * skipped. Label values are unescaped ({@code \\}, {@code \"}, {@code \n}).
 *
 * <p>Every sample line is checked, wanted or not: a malformed line anywhere means the answer is
 * not what the plugin meant to say, so the whole scrape is refused with an {@link IOException}
 * naming the line, and no count is taken from it.
 */
final class PrometheusText {

    /** One sample line of a wanted metric. */
    record Series(String name, Map<String, String> labels, double value) {
    }

    /** What one scrape held: the metric families declared by {@code # TYPE}, and the wanted series. */
    record Scrape(Set<String> declared, List<Series> series) {
    }

    private final String text;
    private int pos;
    private int line;
    private int lineStart;

    private PrometheusText(String text) {
        this.text = text;
    }

    /** Parses {@code text}, keeping the series whose metric name is in {@code wanted}. */
    static Scrape parse(String text, Set<String> wanted) throws IOException {
        return new PrometheusText(text).parseAll(wanted);
    }

    private Scrape parseAll(Set<String> wanted) throws IOException {
        Set<String> declared = new HashSet<>();
        List<Series> series = new ArrayList<>();
        while (pos < text.length()) {
            line++;
            lineStart = pos;
            int end = text.indexOf('\n', pos);
            int lineEnd = end < 0 ? text.length() : end;
            skipBlanks(lineEnd);
            if (pos == lineEnd) {
                pos = lineEnd + 1; // an empty line
                continue;
            }
            if (text.charAt(pos) == '#') {
                comment(lineEnd, declared);
            } else {
                Series s = sample(lineEnd);
                if (wanted.contains(s.name())) {
                    series.add(s);
                }
            }
            pos = lineEnd + 1;
        }
        return new Scrape(declared, series);
    }

    /** {@code # TYPE name type} declares {@code name}; every other comment is skipped. */
    private void comment(int lineEnd, Set<String> declared) {
        String[] words = text.substring(pos + 1, lineEnd).strip().split("[ \t]+");
        if (words.length >= 2 && words[0].equals("TYPE")) {
            declared.add(words[1]);
        }
    }

    private Series sample(int lineEnd) throws IOException {
        String name = metricName(lineEnd);
        Map<String, String> labels = new LinkedHashMap<>(4);
        skipBlanks(lineEnd);
        if (pos < lineEnd && text.charAt(pos) == '{') {
            pos++;
            labels(lineEnd, labels);
        }
        skipBlanks(lineEnd);
        int valueStart = pos;
        while (pos < lineEnd && text.charAt(pos) != ' ' && text.charAt(pos) != '\t') {
            pos++;
        }
        double value = value(text.substring(valueStart, pos));
        skipBlanks(lineEnd);
        if (pos < lineEnd) {
            String timestamp = text.substring(pos, lineEnd).strip();
            if (!timestamp.matches("-?[0-9]{1,19}")) {
                throw error("after the value only a timestamp (milliseconds) may follow, found '" + shorten(timestamp) + "'");
            }
        }
        return new Series(name, labels, value);
    }

    private String metricName(int lineEnd) throws IOException {
        int start = pos;
        while (pos < lineEnd && isNameChar(text.charAt(pos), pos == start, true)) {
            pos++;
        }
        if (pos == start) {
            throw error("expected a metric name");
        }
        return text.substring(start, pos);
    }

    /** The labels after {@code {}, up to and including the closing {@code }}. */
    private void labels(int lineEnd, Map<String, String> labels) throws IOException {
        while (true) {
            skipBlanks(lineEnd);
            if (pos < lineEnd && text.charAt(pos) == '}') {
                pos++;
                return; // also after a trailing comma, which the format allows
            }
            int start = pos;
            while (pos < lineEnd && isNameChar(text.charAt(pos), pos == start, false)) {
                pos++;
            }
            if (pos == start) {
                throw error("expected a label name or '}'");
            }
            String label = text.substring(start, pos);
            skipBlanks(lineEnd);
            if (pos >= lineEnd || text.charAt(pos) != '=') {
                throw error("expected '=' after label " + label);
            }
            pos++;
            skipBlanks(lineEnd);
            if (pos >= lineEnd || text.charAt(pos) != '"') {
                throw error("expected '\"' to open the value of label " + label);
            }
            pos++;
            if (labels.put(label, labelValue(lineEnd, label)) != null) {
                throw error("label " + label + " appears twice");
            }
            skipBlanks(lineEnd);
            if (pos < lineEnd && text.charAt(pos) == ',') {
                pos++;
            } else if (pos >= lineEnd || text.charAt(pos) != '}') {
                // RabbitMQ 3.10 writes a queue or vhost name containing '"' unescaped; this is where it shows.
                throw error("expected ',' or '}' after the value of label " + label
                        + " (an unescaped '\"' in a label value?)");
            }
        }
    }

    private String labelValue(int lineEnd, String label) throws IOException {
        StringBuilder value = new StringBuilder();
        while (pos < lineEnd) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (pos >= lineEnd) {
                break;
            }
            char escaped = text.charAt(pos++);
            switch (escaped) {
                case '\\' -> value.append('\\');
                case '"' -> value.append('"');
                case 'n' -> value.append('\n');
                default -> throw error("unknown escape '\\" + escaped + "' in the value of label " + label
                        + " (only \\\\, \\\" and \\n; an unescaped '\\' in a label value?)");
            }
        }
        throw error("the value of label " + label + " is not closed by '\"'");
    }

    private double value(String token) throws IOException {
        switch (token) {
            case "NaN" -> {
                return Double.NaN;
            }
            case "+Inf", "Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                // Double.parseDouble alone would also take "Infinity", hex and a trailing 'd' or 'f'.
                if (token.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
                    return Double.parseDouble(token);
                }
                throw error(token.isEmpty() ? "expected a value after the metric" : "'" + shorten(token) + "' is not a value");
            }
        }
    }

    private static boolean isNameChar(char c, boolean first, boolean colonAllowed) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colonAllowed && c == ':')
                || (!first && c >= '0' && c <= '9');
    }

    private void skipBlanks(int lineEnd) {
        while (pos < lineEnd && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t' || text.charAt(pos) == '\r')) {
            pos++;
        }
    }

    private IOException error(String what) {
        int end = text.indexOf('\n', lineStart);
        String shown = text.substring(lineStart, end < 0 ? text.length() : end);
        return new IOException("line " + line + ": " + what + ": " + shorten(shown));
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }
}
