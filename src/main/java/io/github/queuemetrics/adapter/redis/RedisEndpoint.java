package io.github.queuemetrics.adapter.redis;

import io.github.queuemetrics.adapter.config.Secrets;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * Where and how to connect: parsed from {@code redis://[user][:password]@host[:port][/db]} (or
 * {@code rediss://} for TLS), read as redis-py and kombu read it ({@code redis://secret@host} is a
 * user name, a password alone is {@code redis://:secret@host}). Timeouts: connect 2 s, read 5 s.
 */
public record RedisEndpoint(HostAndPort hostAndPort, JedisClientConfig clientConfig, String redactedUri) {

    public static final int CONNECT_TIMEOUT_MILLIS = 2000;
    public static final int SOCKET_TIMEOUT_MILLIS = 5000;

    /** @param clientName CLIENT SETNAME of the connection, so operators can tell it apart */
    public static RedisEndpoint parse(URI uri, String clientName) {
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
                .ssl("rediss".equals(scheme))
                .database(database(uri))
                .clientName(clientName);
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
