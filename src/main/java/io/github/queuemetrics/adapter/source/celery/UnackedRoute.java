package io.github.queuemetrics.adapter.source.celery;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where an entry of kombu's {@code unacked} hash was routed: its exchange and routing key.
 *
 * <p>kombu stores {@code json.dumps([message, exchange, routing_key])} (QoS.append), so both are
 * the last two elements of the JSON array. {@link #parse(byte[])} reads them backwards from the
 * end of the value and never looks at the (large, base64-bodied) message envelope in front: the
 * cost is the length of the two strings, not of the message. It decodes JSON string escapes
 * ({@code \"}, {@code \\}, {@code \\uXXXX} incl. surrogate pairs: Python's json.dumps writes
 * non-ASCII as {@code \\u} escapes by default) and accepts raw UTF-8 and {@code null}.
 *
 * @param exchange   "" for Celery's default exchange; null when the JSON said null
 * @param routingKey the queue name for the default exchange; null when the JSON said null
 */
public record UnackedRoute(String exchange, String routingKey) {

    /** The route at the end of an unacked value, or empty when the value does not end like one. */
    public static Optional<UnackedRoute> parse(byte[] value) {
        return new TailReader(value).read();
    }

    /** Reads {@code , "exchange", "routing_key"]} backwards from the end of a JSON array. */
    private static final class TailReader {
        private final byte[] b;
        private int i;

        TailReader(byte[] value) {
            this.b = value;
            this.i = value.length - 1;
        }

        Optional<UnackedRoute> read() {
            skipWhitespace();
            if (!expect(']')) {
                return Optional.empty();
            }
            Token routingKey = stringOrNull();
            if (routingKey == null || !expectComma()) {
                return Optional.empty();
            }
            Token exchange = stringOrNull();
            // the envelope (or any value) must come before: a third element, so another comma
            if (exchange == null || !expectComma()) {
                return Optional.empty();
            }
            return Optional.of(new UnackedRoute(exchange.value, routingKey.value));
        }

        private boolean expectComma() {
            skipWhitespace();
            return expect(',');
        }

        private boolean expect(char c) {
            if (i >= 0 && b[i] == c) {
                i--;
                return true;
            }
            return false;
        }

        private void skipWhitespace() {
            while (i >= 0 && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i--;
            }
        }

        /** A JSON string or null ending at {@code i}; null (the Java value) when it is neither. */
        private Token stringOrNull() {
            skipWhitespace();
            if (i >= 3 && b[i] == 'l' && b[i - 1] == 'l' && b[i - 2] == 'u' && b[i - 3] == 'n') {
                i -= 4;
                return new Token(null);
            }
            if (i < 0 || b[i] != '"') {
                return null;
            }
            int close = i;
            int j = close - 1;
            while (j >= 0) {
                if (b[j] == '"' && precedingBackslashes(j) % 2 == 0) {
                    break; // an unescaped quote: the opening one (inside, quotes are always escaped)
                }
                j--;
            }
            if (j < 0) {
                return null;
            }
            i = j - 1;
            String decoded = decode(j + 1, close);
            return decoded == null ? null : new Token(decoded);
        }

        private int precedingBackslashes(int quote) {
            int k = quote - 1;
            while (k >= 0 && b[k] == '\\') {
                k--;
            }
            return quote - 1 - k;
        }

        /** The JSON string content b[from, to) with its escapes resolved; null when malformed. */
        private String decode(int from, int to) {
            String raw = new String(b, from, to - from, StandardCharsets.UTF_8);
            if (raw.indexOf('\\') < 0) {
                return raw;
            }
            StringBuilder out = new StringBuilder(raw.length());
            for (int k = 0; k < raw.length(); k++) {
                char c = raw.charAt(k);
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (++k >= raw.length()) {
                    return null;
                }
                char e = raw.charAt(k);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (k + 5 > raw.length()) {
                            return null;
                        }
                        try {
                            out.append((char) Integer.parseInt(raw, k + 1, k + 5, 16));
                        } catch (NumberFormatException ex) {
                            return null;
                        }
                        k += 4; // surrogate pairs arrive as two \\u escapes and join in the builder
                    }
                    default -> {
                        return null;
                    }
                }
            }
            return out.toString();
        }
    }

    private record Token(String value) {
    }
}
