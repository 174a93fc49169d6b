package io.github.queuemetrics.adapter.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The PostgreSQL connection and grouping of a {@code type: pulp} source.
 *
 * @param jdbcUrl          {@code jdbc:postgresql://host:port/db[?...]}, built from {@code uri} or given as is
 * @param user             the database role, may be null when the JDBC URL carries it
 * @param password         may be null (trust or other auth)
 * @param groupBy          how tasks become items ({@code queue} label)
 * @param statementTimeout the longest one poll's query may run; a slower database fails the poll
 */
public record PulpSettings(String jdbcUrl, String user, String password, GroupBy groupBy, Duration statementTimeout) {

    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** The item of {@code groupBy: none}: {@code queue=pulp}. */
    public static final String SINGLE_ITEM = "pulp";

    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;\\s]*");

    public PulpSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        groupBy = groupBy == null ? GroupBy.NONE : groupBy;
        statementTimeout = statementTimeout == null ? DEFAULT_STATEMENT_TIMEOUT : statementTimeout;
    }

    /** The JDBC URL with any {@code password=} parameter shown as {@code ***}. */
    public String redactedJdbcUrl() {
        return URL_PASSWORD.matcher(jdbcUrl).replaceAll("$1***");
    }

    @Override
    public String toString() {
        return "PulpSettings[jdbcUrl=" + redactedJdbcUrl() + ", user=" + user
                + ", password=" + (password == null ? "none" : "***") + ", groupBy=" + groupBy.configName()
                + ", statementTimeout=" + statementTimeout + "]";
    }

    /** {@code groupBy}: one item for all tasks, one per Pulp domain, or one per task name. */
    public enum GroupBy {
        NONE("none"),
        DOMAIN("domain"),
        NAME("name");

        private final String configName;

        GroupBy(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Optional<GroupBy> fromConfigName(String name) {
            return Arrays.stream(values()).filter(g -> g.configName.equals(name)).findFirst();
        }
    }
}
