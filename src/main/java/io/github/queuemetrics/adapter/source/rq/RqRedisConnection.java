package io.github.queuemetrics.adapter.source.rq;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import java.time.Duration;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * One lazily opened Redis connection for one source. Polls of a source never overlap, so a single
 * connection (not a pool) is enough. After any failure the caller {@link #discard()}s it and the
 * next {@link #get()} reconnects: this is how a poll "recovers by itself".
 */
final class RqRedisConnection implements AutoCloseable {

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final String description;
    private Jedis jedis;

    /**
     * @param endpoint       the source's Redis (TLS trust and client name, shown by CLIENT LIST)
     * @param connectTimeout TCP connect timeout
     * @param readTimeout    socket read timeout for one reply (the whole pipeline is read within it per reply)
     */
    RqRedisConnection(RedisEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
        endpoint = endpoint.withTimeouts(connectTimeout, readTimeout, readTimeout);
        this.address = endpoint.hostAndPort();
        this.config = endpoint.clientConfig();
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
