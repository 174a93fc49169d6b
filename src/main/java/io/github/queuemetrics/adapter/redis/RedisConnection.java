package io.github.queuemetrics.adapter.redis;

import java.time.Duration;
import redis.clients.jedis.Jedis;

/**
 * One lazily opened Redis connection, the lifecycle every Redis source and tracker uses: the
 * connection is opened (AUTH, SELECT, CLIENT SETNAME, then a PING, so that a wrong password or a
 * closed port fails at once) on the first {@link #get()}; after any failure the caller {@link
 * #discard()}s it and the next {@link #get()} connects anew. This is how a poll recovers by itself
 * after a broker outage.
 *
 * <p>Not thread-safe: one user at a time (a source's polls never overlap, so one connection, not a
 * pool, is enough).
 */
public final class RedisConnection implements AutoCloseable {

    private final RedisEndpoint endpoint;
    private Jedis jedis;

    public RedisConnection(RedisEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * @param connectTimeout TCP connect deadline
     * @param readTimeout    deadline of one reply (a pipeline's replies are each read within it)
     */
    public RedisConnection(RedisEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
        this(endpoint.withTimeouts(connectTimeout, readTimeout, readTimeout));
    }

    /** The open connection, connecting if there is none or the last one broke. */
    public Jedis get() {
        if (jedis == null || !jedis.isConnected() || jedis.isBroken()) {
            discard();
            Jedis fresh = new Jedis(endpoint.hostAndPort(), endpoint.clientConfig());
            try {
                fresh.ping();
            } catch (RuntimeException e) {
                fresh.close();
                throw e;
            }
            jedis = fresh;
        }
        return jedis;
    }

    /** The open connection if there is one that is not known to be broken, else null; never connects. */
    public Jedis current() {
        return jedis != null && jedis.isConnected() && !jedis.isBroken() ? jedis : null;
    }

    /** Drops the connection after a failure; never throws. */
    public void discard() {
        Jedis j = jedis;
        jedis = null;
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // the connection is already broken; nothing to release
            }
        }
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** scheme://host:port/db, without credentials: safe for logs and error messages. */
    public String description() {
        return endpoint.redactedUri();
    }

    @Override
    public void close() {
        discard();
    }
}
