package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the one connection a Pulp source uses. Everything that could hang has a bound: connect
 * and login time out, every statement has {@code statement_timeout}, and the socket read timeout
 * (a bit longer) catches a server that stops answering altogether. The session is read-only
 * ({@code default_transaction_read_only}): the adapter never writes Pulp's tables, even by mistake.
 */
final class PulpConnection {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Beyond statement_timeout: the server cancels first and says why; the socket timeout is the last resort. */
    private static final Duration SOCKET_MARGIN = Duration.ofSeconds(5);

    private PulpConnection() {
    }

    static Connection open(PulpSettings settings, String applicationName) throws SQLException {
        Properties p = new Properties();
        if (settings.user() != null) {
            p.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            p.setProperty("password", settings.password());
        }
        long statementMillis = settings.statementTimeout().toMillis();
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("socketTimeout", String.valueOf(
                settings.statementTimeout().plus(SOCKET_MARGIN).toSeconds()));
        p.setProperty("ApplicationName", applicationName);
        // statement_timeout also ends a wait for a lock (a migration holding core_task).
        p.setProperty("options", "-c statement_timeout=" + statementMillis + " -c default_transaction_read_only=on");
        p.setProperty("readOnly", "true");
        Connection connection = DriverManager.getConnection(settings.jdbcUrl(), p);
        connection.setAutoCommit(true); // one statement per poll: no transaction left open between polls
        return connection;
    }
}
