package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.redis.RedisConnection;
import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.KeyValue;

/**
 * Pidbox over Redis the way kombu's redis transport emulates the two exchanges
 * (broker-protocols.md §3 "Redis wire"):
 * <ul>
 *   <li>fanout {@code celery.pidbox}: {@code PUBLISH /<db>.celery.pidbox <envelope>} (workers PSUBSCRIBE it);</li>
 *   <li>direct {@code reply.celery.pidbox}: a worker looks up the member
 *       {@code <oid>\x06\x16\x06\x16<oid>.reply.celery.pidbox} of the set
 *       {@code _kombu.binding.reply.celery.pidbox} and LPUSHes its reply onto the list
 *       {@code <oid>.reply.celery.pidbox}. This client is the list's reader and takes from the right
 *       end (BRPOP), as kombu's {@code _brpop_start} does, so replies come out oldest first.</li>
 * </ul>
 * Every key and the channel get kombu's {@code global_keyprefix} in front, as kombu's prefixed
 * client does; the binding member itself is not prefixed (kombu stores it unprefixed too).
 *
 * <p>The binding is re-added with every publish (SADD is idempotent), so it survives a Redis restart
 * or a flush. {@link #close()} removes the binding member and the list: nothing else would.
 *
 * <p>Connections come from {@link RedisEndpoint} (TLS verified, the default port, deadlines). A
 * receive waits in BRPOPs of at most {@link RedisEndpoint#MAX_BLOCKING_WAIT_MILLIS} each, read
 * with a deadline of that wait plus the read timeout: a Redis that stops answering fails the
 * receive within seconds instead of blocking the poll (and the shutdown behind it) forever.
 */
public final class RedisPidboxTransport implements PidboxTransport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisPidboxTransport.class);

    /** A best-effort cleanup must not hold a shutdown up for long. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

    private final RedisEndpoint endpoint;
    private final String exchange;
    private final String replyExchange;
    private final String oid = "qma-" + UUID.randomUUID();
    private final byte[] channelName;
    private final byte[] bindingKey;
    private final byte[] bindingMember;
    private final byte[] replyList;

    private final RedisConnection connection;
    /** Redis before 6.0 takes only whole seconds as BRPOP timeout; switched on at the first refusal. */
    private boolean wholeSecondTimeouts;

    public RedisPidboxTransport(URI uri) {
        this(uri, "", "\u0006\u0016", DEFAULT_NAMESPACE, Duration.ofSeconds(5));
    }

    /**
     * @param uri            redis(s)://[user:pass@]host[:port]/db (the db also names the fanout channel)
     * @param keyPrefix      kombu's global_keyprefix, "" for none
     * @param separator      kombu's sep, "\x06\x16" by default
     * @param namespace      Celery's control exchange name, "celery" by default
     * @param timeout        connect and read limit of ordinary commands
     */
    public RedisPidboxTransport(URI uri, String keyPrefix, String separator, String namespace, Duration timeout) {
        this(RedisEndpoint.parse(uri, "qma-pidbox").withTimeouts(timeout, timeout,
                timeout.plusMillis(RedisEndpoint.MAX_BLOCKING_WAIT_MILLIS)), keyPrefix, separator, namespace);
    }

    /**
     * @param endpoint  the broker, its TLS trust and deadlines (the client name is replaced by this client's)
     * @param keyPrefix kombu's global_keyprefix, "" for none
     * @param separator kombu's sep, "\x06\x16" by default
     * @param namespace Celery's control exchange name, "celery" by default
     */
    public RedisPidboxTransport(RedisEndpoint endpoint, String keyPrefix, String separator, String namespace) {
        this.exchange = namespace + ".pidbox";
        this.replyExchange = "reply." + namespace + ".pidbox";
        this.endpoint = endpoint.withClientName(clientName());
        this.connection = new RedisConnection(this.endpoint);
        int db = endpoint.database();
        String queue = oid + "." + replyExchange;
        this.channelName = utf8(keyPrefix + "/" + db + "." + exchange);
        this.bindingKey = utf8(keyPrefix + "_kombu.binding." + replyExchange);
        this.bindingMember = utf8(oid + separator + "" + separator + queue);
        this.replyList = utf8(keyPrefix + queue);
    }

    @Override
    public String replyExchange() {
        return replyExchange;
    }

    @Override
    public String replyRoutingKey() {
        return oid;
    }

    /** The reply list's key, prefix included (for tests and diagnostics). */
    public String replyListKey() {
        return new String(replyList, StandardCharsets.UTF_8);
    }

    /** The connection's CLIENT SETNAME, unique per client. */
    public String clientName() {
        return "qma-pidbox-" + oid.substring("qma-".length());
    }

    /** The fanout channel commands are published on, prefix included. */
    public String channel() {
        return new String(channelName, StandardCharsets.UTF_8);
    }

    @Override
    public int publish(byte[] commandJson, double expiresEpochSeconds) throws IOException {
        byte[] envelope = PidboxMessages.redisEnvelope(commandJson, expiresEpochSeconds, exchange,
                UUID.randomUUID().toString());
        boolean reused = connection.current() != null;
        try {
            return sendCommand(connected(), envelope);
        } catch (JedisConnectionException e) {
            disconnect();
            if (!reused) {
                throw new IOException("Redis PUBLISH of a pidbox command failed: " + Secrets.redact(e.getMessage()), e);
            }
            // An idle connection the server (or a proxy) dropped since the last call is only noticed
            // now: try once more on a new one. Pidbox commands are idempotent enough for that
            // (a worker that got the first copy answers under the same ticket, counted once).
            LOG.debug("Redis connection was dropped while idle; reconnecting", e);
        } catch (JedisException e) {
            disconnect();
            throw new IOException("Redis PUBLISH of a pidbox command failed: " + Secrets.redact(e.getMessage()), e);
        }
        try {
            return sendCommand(connected(), envelope);
        } catch (JedisException e) {
            disconnect();
            throw new IOException("Redis PUBLISH of a pidbox command failed: " + Secrets.redact(e.getMessage()), e);
        }
    }

    /** SADD of the reply binding (idempotent; survives a flush or restart) and PUBLISH, in one round trip. */
    private int sendCommand(Jedis j, byte[] envelope) {
        Pipeline pipe = j.pipelined();
        pipe.sadd(bindingKey, bindingMember);
        Response<Long> receivers = pipe.publish(channelName, envelope);
        pipe.sync();
        return receivers.get().intValue();
    }

    /** The connection settings (for tests and diagnostics). */
    public RedisEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public PidboxReply receive(Duration maxWait) throws IOException {
        Jedis j = connected();
        try {
            byte[] item = null;
            long deadline = System.nanoTime() + maxWait.toNanos();
            if (maxWait.toMillis() < 1) {
                item = j.rpop(replyList);
            }
            // In slices: the connection's blocking read deadline covers one slice, not any wait.
            for (long left = maxWait.toMillis(); item == null && left >= 1;
                    left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                Duration slice = Duration.ofMillis(Math.min(left, RedisEndpoint.MAX_BLOCKING_WAIT_MILLIS));
                if (wholeSecondTimeouts) {
                    List<byte[]> r = j.brpop((int) Math.max(1, (slice.toMillis() + 999) / 1000), replyList);
                    item = r == null || r.size() < 2 ? null : r.get(1);
                } else {
                    item = brpopFraction(j, slice);
                }
            }
            if (item == null) {
                return null;
            }
            try {
                return PidboxMessages.decodeRedisEnvelope(item);
            } catch (IOException e) {
                LOG.warn("dropping undecodable pidbox reply from {}: {}", replyListKey(), e.getMessage());
                return new PidboxReply(null, null);
            }
        } catch (JedisException e) {
            disconnect();
            throw new IOException("Redis BRPOP of pidbox replies failed: " + Secrets.redact(e.getMessage()), e);
        }
    }

    private byte[] brpopFraction(Jedis j, Duration maxWait) {
        try {
            KeyValue<byte[], byte[]> r = j.brpop(maxWait.toMillis() / 1000.0, replyList);
            return r == null ? null : r.getValue();
        } catch (JedisDataException e) {
            if (String.valueOf(e.getMessage()).contains("timeout is not")) {
                wholeSecondTimeouts = true; // Redis < 6
                List<byte[]> r = j.brpop((int) Math.max(1, (maxWait.toMillis() + 999) / 1000), replyList);
                return r == null || r.size() < 2 ? null : r.get(1);
            }
            throw e;
        }
    }

    private Jedis connected() throws IOException {
        return connect(connection);
    }

    private Jedis connect(RedisConnection to) throws IOException {
        try {
            return to.get();
        } catch (JedisException e) {
            throw new IOException("cannot reach Redis at " + endpoint.redactedUri() + ": "
                    + Secrets.redact(e.getMessage()), e);
        }
    }

    @Override
    public void disconnect() {
        connection.discard();
    }

    /** Removes the binding member and the reply list (best effort and quick: Redis may be gone). */
    @Override
    public void close() {
        RedisConnection quick = new RedisConnection(endpoint, CLOSE_TIMEOUT, CLOSE_TIMEOUT);
        try {
            Jedis j = connection.current();
            if (j != null) {
                j.getConnection().setSoTimeout((int) CLOSE_TIMEOUT.toMillis());
            } else {
                j = connect(quick);
            }
            Pipeline pipe = j.pipelined();
            pipe.srem(bindingKey, bindingMember);
            pipe.del(replyList);
            pipe.sync();
        } catch (IOException | JedisException e) {
            LOG.info("could not remove pidbox reply binding {} from Redis: {}", oid, Secrets.redact(e.getMessage()));
        } finally {
            disconnect();
            quick.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
