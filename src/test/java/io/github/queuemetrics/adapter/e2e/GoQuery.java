package io.github.queuemetrics.adapter.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Query strings as Go's {@code url.Values.Encode} writes them (what client-go sends for
 * {@code ?labelSelector=...}): keys sorted, {@code url.QueryEscape} on keys and values, which
 * keeps only {@code A-Z a-z 0-9 - _ . ~}, writes a space as {@code +} and everything else as
 * upper-case {@code %XX} of its UTF-8 bytes. (Java's URLEncoder differs on {@code *} and {@code ~}.)
 */
final class GoQuery {

    private GoQuery() {
    }

    static String encode(Map<String, String> values) {
        StringJoiner joined = new StringJoiner("&");
        new TreeMap<>(values).forEach((k, v) -> joined.add(queryEscape(k) + "=" + queryEscape(v)));
        return joined.toString();
    }

    static String queryEscape(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else if (c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
