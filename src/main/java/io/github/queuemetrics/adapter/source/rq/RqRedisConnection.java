package io.github.queuemetrics.adapter.source.rq;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * One lazily opened Redis connection for one source. Polls of a source never overlap, so a single
 * connection (not a pool) is enough. After any failure the caller {@link #discard()}s it and the
 * next {@link #get()} reconnects: this is how a poll "recovers by itself".
 */
final class RqRedisConnection implements AutoCloseable {

    private final HostAndPort address;
    private final DefaultJedisClientConfig config;
    private final String description;
    private Jedis jedis;

    /**
     * @param uri            redis://[user:password@]host:port/db or rediss:// for TLS
     * @param clientName     shown by CLIENT LIST, so operators can tell the adapter's connection apart
     * @param connectTimeout TCP connect timeout
     * @param readTimeout    socket read timeout for one reply (the whole pipeline is read within it per reply)
     */
    RqRedisConnection(URI uri, String clientName, Duration connectTimeout, Duration readTimeout) {
        RedisEndpoint endpoint = RedisEndpoint.parse(uri, clientName);
        this.address = endpoint.hostAndPort();
        this.config = DefaultJedisClientConfig.builder()
                .from(endpoint.clientConfig())
                .connectionTimeoutMillis((int) connectTimeout.toMillis())
                .socketTimeoutMillis((int) readTimeout.toMillis())
                .build();
        this.description = endpoint.redactedUri();
    }

    /** The open connection, connecting (AUTH, SELECT, CLIENT SETNAME) if needed. */
    Jedis get() {
        if (jedis == null || !jedis.isConnected() || jedis.isBroken()) {
            discard();
            Jedis fresh = new Jedis(address, config);
            try {
                fresh.ping(); // connect now, so a wrong password or a closed port fails here
            } catch (RuntimeException e) {
                fresh.close();
                throw e;
            }
            jedis = fresh;
        }
        return jedis;
    }

    /** Drops the connection after a failure; never throws. */
    void discard() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // the connection is already broken; nothing to release
            }
            jedis = null;
        }
    }

    /** scheme://host:port/db, without credentials: safe for logs and error messages. */
    String description() {
        return description;
    }

    @Override
    public void close() {
        discard();
    }
}
