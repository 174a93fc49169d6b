package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code type: pulp} keys of a source: where Pulp's PostgreSQL database is ({@code uri:
 * postgresql://user:pass@host:port/db}, or {@code jdbcUrl} with {@code user} and {@code password}),
 * {@code groupBy} and {@code statementTimeout}. Messages never echo a password or a URI.
 */
final class PulpSourceParser {

    private static final String URI_HINT = "a URI such as postgresql://host:5432/pulp (user:password@ before the host)";

    private PulpSourceParser() {
    }

    /** @return the settings, or empty after recording every problem under the source's path */
    static Optional<PulpSettings> parse(JsonNode node, Fields f, Optional<Duration> staleness) {
        boolean hasUri = f.has("uri");
        boolean hasJdbc = f.has("jdbcUrl");
        if (hasUri == hasJdbc) {
            f.problem(hasUri ? "jdbcUrl" : "uri", hasUri ? "give either uri or jdbcUrl, not both"
                    : "required: " + URI_HINT + " (or jdbcUrl: jdbc:postgresql://host:5432/pulp with user and password)");
            return Optional.empty();
        }
        Optional<String> user = f.string("user", false, "the PostgreSQL role name");
        Optional<String> password = password(node, f);
        Optional<String> jdbcUrl;
        if (hasUri) {
            Optional<URI> uri = f.string("uri", true, URI_HINT)
                    .flatMap(s -> ConfigUris.parse(s, List.of("postgresql", "postgres"), f.path("uri"), f.problems()));
            if (uri.isEmpty()) {
                return Optional.empty();
            }
            String userInfo = uri.get().getRawUserInfo();
            if (userInfo != null && (user.isPresent() || password.isPresent())) {
                f.problem("uri", "give the user and password either in the uri or as user/password, not both");
                return Optional.empty();
            }
            String path = uri.get().getRawPath();
            if (path == null || path.length() <= 1 || path.indexOf('/', 1) >= 0) {
                f.problem("uri", "the path must be the database name, e.g. postgresql://host:5432/pulp");
                return Optional.empty();
            }
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
                password = colon < 0 ? Optional.empty() : Optional.of(decode(userInfo.substring(colon + 1)));
            }
            jdbcUrl = Optional.of(toJdbc(uri.get()));
        } else {
            jdbcUrl = f.string("jdbcUrl", true, "a JDBC URL such as jdbc:postgresql://host:5432/pulp");
            if (jdbcUrl.isPresent() && !jdbcUrl.get().startsWith("jdbc:postgresql:")) {
                f.problem("jdbcUrl", "must start with jdbc:postgresql: (the PostgreSQL driver is the only one bundled)");
                jdbcUrl = Optional.empty();
            }
        }
        Optional<PulpSettings.GroupBy> groupBy = groupBy(f);
        Optional<Duration> timeout = statementTimeout(f, staleness);
        if (jdbcUrl.isEmpty() || (f.has("groupBy") && groupBy.isEmpty()) || (f.has("statementTimeout") && timeout.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new PulpSettings(jdbcUrl.get(), user.orElse(null), password.orElse(null),
                groupBy.orElse(null), timeout.orElse(null)));
    }

    /** A password given as a YAML number would be echoed by the usual message, so it gets its own. */
    private static Optional<String> password(JsonNode node, Fields f) {
        JsonNode value = node.get("password");
        if (value != null && !value.isTextual()) {
            f.problem("password", "must be a string; put the value in quotes (the value is not shown)");
            return Optional.empty();
        }
        return f.string("password", false, "the PostgreSQL password");
    }

    private static String toJdbc(URI uri) {
        return "jdbc:postgresql://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Optional<PulpSettings.GroupBy> groupBy(Fields f) {
        Optional<String> text = f.string("groupBy", false, "none, domain or name");
        Optional<PulpSettings.GroupBy> groupBy = text.flatMap(PulpSettings.GroupBy::fromConfigName);
        if (text.isPresent() && groupBy.isEmpty()) {
            f.problem("groupBy", "'" + text.get() + "' is not a grouping; use none (one item, queue=pulp),"
                    + " domain (one per Pulp domain) or name (one per task name)");
        }
        return groupBy;
    }

    /** Shorter than maxStaleness: a query allowed to run longer would serve stale values when it ends. */
    private static Optional<Duration> statementTimeout(Fields f, Optional<Duration> staleness) {
        Optional<Duration> timeout = f.duration("statementTimeout");
        if (timeout.isPresent() && staleness.isPresent() && timeout.get().compareTo(staleness.get()) >= 0) {
            f.problem("statementTimeout", "must be shorter than maxStaleness (" + Durations.format(staleness.get()) + ")");
            return Optional.empty();
        }
        return timeout;
    }
}
