package io.github.queuemetrics.adapter.source.rabbitmq;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** URI chores shared by the management and AMQP clients: vhosts, credentials, path encoding. */
final class RabbitMqUris {

    /** amqp-client's defaults when a URI carries no userinfo. */
    static final String DEFAULT_USER = "guest";
    static final String DEFAULT_PASSWORD = "guest";

    private RabbitMqUris() {
    }

    /**
     * The vhost named by an amqp(s) URI, as amqp-client reads it: the path after the first
     * {@code /}, percent-decoded ({@code /%2F} is {@code /}, {@code /jobs} is {@code jobs}). An
     * absent or empty path is the default vhost {@code /}.
     */
    static String vhostOf(URI amqpUri) {
        String raw = amqpUri.getRawPath();
        if (raw == null || raw.isEmpty() || raw.equals("/")) {
            return "/";
        }
        return percentDecode(raw.substring(1));
    }

    /** user and password: from {@code preferred}'s userinfo, else {@code fallback}'s, else guest/guest. */
    static Credentials credentials(URI preferred, URI fallback) {
        for (URI uri : new URI[] {preferred, fallback}) {
            if (uri != null && uri.getRawUserInfo() != null && !uri.getRawUserInfo().isEmpty()) {
                String raw = uri.getRawUserInfo();
                int colon = raw.indexOf(':');
                return colon < 0
                        ? new Credentials(percentDecode(raw), "")
                        : new Credentials(percentDecode(raw.substring(0, colon)), percentDecode(raw.substring(colon + 1)));
            }
        }
        return new Credentials(DEFAULT_USER, DEFAULT_PASSWORD);
    }

    /**
     * Encodes one path segment: everything but RFC 3986 unreserved characters becomes {@code %XX}
     * of its UTF-8 bytes, so the default vhost {@code /} is {@code %2F} (the management API's
     * spelling) and a space is {@code %20} (URLEncoder's {@code +} would be a literal plus in a path).
     */
    static String encodePathSegment(String segment) {
        StringBuilder out = new StringBuilder(segment.length() + 8);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Percent-decoding without URLDecoder's form rule that turns {@code +} into a space. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A user name and password; {@link #toString()} never shows the password. */
    record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }
}
