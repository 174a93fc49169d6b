package io.github.queuemetrics.adapter.redis;

import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * Where and how every Redis client of the adapter connects (Celery and RQ counts, Celery events and
 * remote control, RQ workers): parsed from {@code redis://[user][:password]@host[:port][/db]} (or
 * {@code rediss://} for TLS), read as redis-py and kombu read it ({@code redis://secret@host} is a
 * user name, a password alone is {@code redis://:secret@host}; no port is 6379).
 *
 * <p>Every wait has a deadline: connect 2 s, read 5 s, and a blocking command (BRPOP) its own
 * wait, at most {@value #MAX_BLOCKING_WAIT_MILLIS} ms, plus the read deadline (Jedis would wait
 * forever by default). With {@code rediss://} the certificate chain is verified against {@link
 * BrokerTls} and the host name against the certificate.
 */
public record RedisEndpoint(HostAndPort hostAndPort, JedisClientConfig clientConfig, String redactedUri) {

    public static final int CONNECT_TIMEOUT_MILLIS = 2000;
    public static final int SOCKET_TIMEOUT_MILLIS = 5000;
    /** The longest a blocking command may ask the server to wait; callers wait longer in slices. */
    public static final int MAX_BLOCKING_WAIT_MILLIS = 2000;

    /** The {@code uri} of a Redis source, with its {@code tls.caFile} trust. */
    public static RedisEndpoint forSource(SourceConfig source, String clientName) {
        return parse(source.uri(), clientName, BrokerTls.of(source.tlsCaFile()));
    }

    /** With the JVM's default trust for {@code rediss://}. */
    public static RedisEndpoint parse(URI uri, String clientName) {
        return parse(uri, clientName, BrokerTls.jvmDefault());
    }

    /**
     * @param clientName CLIENT SETNAME of the connection, so operators can tell it apart
     * @param tls        trust for {@code rediss://}
     */
    public static RedisEndpoint parse(URI uri, String clientName, BrokerTls tls) {
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("expected redis:// or rediss://, got " + Secrets.redact(uri));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + Secrets.redact(uri));
        }
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .socketTimeoutMillis(SOCKET_TIMEOUT_MILLIS)
                .blockingSocketTimeoutMillis(SOCKET_TIMEOUT_MILLIS + MAX_BLOCKING_WAIT_MILLIS)
                .database(database(uri))
                .clientName(clientName);
        if ("rediss".equals(scheme)) {
            // Without a socket factory and parameters jedis checks the chain but not the host name.
            config.ssl(true)
                    .sslSocketFactory(tls.socketFactory())
                    .sslParameters(tls.hostnameVerifyingParameters());
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                config.user(decode(user));
            }
            if (colon >= 0) {
                config.password(decode(userInfo.substring(colon + 1)));
            }
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        return new RedisEndpoint(new HostAndPort(uri.getHost(), port), config.build(), Secrets.redact(uri));
    }

    /** The same endpoint under another CLIENT SETNAME. */
    public RedisEndpoint withClientName(String clientName) {
        return new RedisEndpoint(hostAndPort, DefaultJedisClientConfig.builder().from(clientConfig)
                .clientName(clientName).build(), redactedUri);
    }

    /**
     * The same endpoint with other deadlines.
     *
     * @param blocking read deadline of a blocking command (BRPOP, SUBSCRIBE): longer than any wait
     *                 the command asks the server for
     */
    public RedisEndpoint withTimeouts(Duration connect, Duration read, Duration blocking) {
        return new RedisEndpoint(hostAndPort, DefaultJedisClientConfig.builder().from(clientConfig)
                .connectionTimeoutMillis(millis(connect))
                .socketTimeoutMillis(millis(read))
                .blockingSocketTimeoutMillis(millis(blocking))
                .build(), redactedUri);
    }

    /** The database number of the URI path. */
    public int database() {
        return clientConfig.getDatabase();
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    public static int database(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            int db = Integer.parseInt(path.substring(1));
            if (db < 0) {
                throw new NumberFormatException();
            }
            return db;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the path of " + Secrets.redact(uri)
                    + " must be a database number, e.g. /0");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
