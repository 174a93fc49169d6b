package io.github.queuemetrics.adapter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks broker URIs. Error messages never echo the URI or any part of its authority: it may
 * hold a password, and a malformed URI cannot be redacted reliably (where does the password end?).
 */
final class ConfigUris {

    private static final String ENCODE_HINT =
            "; percent-encode special characters in the user name or password (@ %40, / %2F, # %23, ? %3F, % %25)";
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private ConfigUris() {
    }

    /**
     * Parses {@code text} as a server URI with one of {@code schemes} and a host.
     *
     * @return empty after reporting a problem under {@code path}
     */
    static Optional<URI> parse(String text, List<String> schemes, String path, Problems problems) {
        String expected = "a URI starting with " + String.join(":// or ", schemes) + "://";
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            // getReason() and getIndex() only: getMessage() quotes the input.
            problems.add(path, "not a valid URI (" + e.getReason().toLowerCase()
                    + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : "") + ")"
                    + (text.contains("@") ? ENCODE_HINT : ""));
            return Optional.empty();
        }
        if (uri.getScheme() == null || !schemes.contains(uri.getScheme().toLowerCase())) {
            problems.add(path, "must be " + expected);
            return Optional.empty();
        }
        if (uri.getHost() == null) {
            problems.add(path, "has no host name (expected e.g. " + uri.getScheme().toLowerCase() + "://host:port)"
                    + (text.contains("@") ? ENCODE_HINT : ""));
            return Optional.empty();
        }
        if (uri.getPort() > 65535) {
            problems.add(path, "port " + uri.getPort() + " is out of range");
            return Optional.empty();
        }
        if (uri.getRawFragment() != null) {
            problems.add(path, "must not contain a #fragment" + ENCODE_HINT);
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    /**
     * The vhost named by an AMQP URI path: none, "/" or "/%2F" mean "/"; otherwise the single
     * percent-decoded path segment (RabbitMQ URI spec).
     */
    static Optional<String> vhost(URI amqpUri, String path, Problems problems) {
        String raw = amqpUri.getRawPath();
        if (raw == null || raw.isEmpty() || raw.equals("/")) {
            return Optional.of("/");
        }
        String segment = raw.substring(1);
        if (segment.contains("/")) {
            problems.add(path, "the path must be a single vhost name; write the vhost / as %2F"
                    + (segment.contains("@") ? ENCODE_HINT : ""));
            return Optional.empty();
        }
        // '+' is a literal plus in a URI path, unlike in form data.
        return Optional.of(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
    }

    /** Checks the Redis database in the path and the userinfo shape that Jedis accepts. */
    static boolean checkRedis(URI uri, String path, Problems problems) {
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.contains(":")) {
            problems.add(path, "user information must be user:password or :password"
                    + " (a bare name is taken for neither)");
            return false;
        }
        String raw = uri.getRawPath();
        if (raw == null || raw.isEmpty() || raw.equals("/")) {
            return true;
        }
        String db = raw.substring(1);
        if (!DIGITS.matcher(db).matches() || db.length() > 9) {
            problems.add(path, "the path must be the database number, e.g. redis://localhost:6379/1");
            return false;
        }
        return true;
    }
}
