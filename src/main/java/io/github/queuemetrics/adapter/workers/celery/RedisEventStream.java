package io.github.queuemetrics.adapter.workers.celery;

import io.github.queuemetrics.adapter.redis.RedisEndpoint;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Celery events from a Redis broker. kombu emulates the {@code celeryev} exchange over pub/sub:
 * each event is {@code PUBLISH <keyprefix>/<db>.celeryev/<routing key> <envelope>} (the channel
 * namespace is server-wide, hence the DB number in the name), so we {@code PSUBSCRIBE} to
 * {@code <keyprefix>/<db>.celeryev/*}. There is no persistence: events published while we are
 * disconnected are lost, which is why liveness is judged on heartbeats that keep coming.
 *
 * <p>A subscribed connection only reads, so a half-open TCP connection would block forever. A
 * watchdog PINGs through the subscription every {@value #PING_SECONDS} s and drops the connection
 * when nothing (no event, no PONG) came back for {@value #SILENCE_SECONDS} s; the subscription's
 * read deadline is the same {@value #SILENCE_SECONDS} s, so even a stuck watchdog cannot leave it
 * blocked. Connections come from {@link RedisEndpoint} (TLS verified, the default port, deadlines).
 */
public final class RedisEventStream extends ReconnectingEventStream {

    static final int PING_SECONDS = 10;
    static final int SILENCE_SECONDS = 35;

    private final RedisEndpoint endpoint;
    private final String[] patterns;
    private final Clock clock;
    private final AtomicReference<Jedis> jedis = new AtomicReference<>();
    private final AtomicReference<JedisPubSub> subscription = new AtomicReference<>();
    private final ScheduledExecutorService watchdog;
    private volatile long lastActivityNanos = System.nanoTime();

    /** Events of Celery on {@code redisUri} (redis[s]://[user:pass@]host:port/db) with no key prefix. */
    public RedisEventStream(URI redisUri, CeleryEventListener listener) {
        this(redisUri, "", CeleryEventStream.EXCHANGE, "qma-celery-events-" + UUID.randomUUID(), listener,
                Clock.systemUTC(), Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    /**
     * @param keyPrefix  kombu's {@code global_keyprefix} ("" by default); it is put before channel names too
     * @param clientName set with CLIENT SETNAME, so operators (and tests) can find the connection
     */
    public RedisEventStream(URI redisUri, String keyPrefix, String exchange, String clientName,
                            CeleryEventListener listener, Clock clock, Duration initialBackoff, Duration maxBackoff) {
        this(RedisEndpoint.parse(redisUri, clientName), keyPrefix, exchange, listener, clock, initialBackoff,
                maxBackoff);
    }

    /**
     * @param endpoint  the broker, its TLS trust and client name (CLIENT SETNAME, so operators and
     *                  tests can find the connection); its blocking deadline is replaced
     * @param keyPrefix kombu's {@code global_keyprefix} ("" by default); it is put before channel names too
     */
    public RedisEventStream(RedisEndpoint endpoint, String keyPrefix, String exchange, CeleryEventListener listener,
                            Clock clock, Duration initialBackoff, Duration maxBackoff) {
        super("celery-events-redis", listener, initialBackoff, maxBackoff, clock);
        Duration connect = Duration.ofMillis(endpoint.clientConfig().getConnectionTimeoutMillis());
        Duration read = Duration.ofMillis(endpoint.clientConfig().getSocketTimeoutMillis());
        this.endpoint = endpoint.withTimeouts(connect, read, Duration.ofSeconds(SILENCE_SECONDS));
        this.clock = clock;
        String channel = escapeGlob(keyPrefix + "/" + endpoint.database() + "." + exchange);
        // With a routing key kombu appends "/<rk>" (fanout_patterns); without one the channel is bare.
        this.patterns = new String[] {channel + "/*", channel};
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "celery-events-redis-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::checkAlive, PING_SECONDS, PING_SECONDS, TimeUnit.SECONDS);
    }

    /** The name our connection carries in CLIENT LIST. */
    public String clientName() {
        return endpoint.clientConfig().getClientName();
    }

    /** The connection settings (for tests and diagnostics). */
    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** The PSUBSCRIBE patterns. */
    public String[] patterns() {
        return patterns.clone();
    }

    @Override
    protected void consume() {
        Jedis client = new Jedis(endpoint.hostAndPort(), endpoint.clientConfig());
        jedis.set(client);
        try {
            if (isClosed()) {
                return;
            }
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onPSubscribe(String pattern, int subscribedChannels) {
                    touch();
                    if (subscribedChannels == patterns.length) {
                        subscribed();
                    }
                }

                @Override
                public void onPMessage(String pattern, String channel, String message) {
                    touch();
                    deliver(() -> CeleryEventDecoder.fromKombuEnvelope(message));
                }

                @Override
                public void onPong(String pattern) {
                    touch();
                }
            };
            subscription.set(pubSub);
            touch();
            // Blocks until unsubscribed, the connection breaks or nothing came for SILENCE_SECONDS.
            client.psubscribe(pubSub, patterns);
        } finally {
            subscription.set(null);
            jedis.compareAndSet(client, null);
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // already broken; the loop reconnects
            }
        }
    }

    private void touch() {
        lastActivityNanos = System.nanoTime();
    }

    private void checkAlive() {
        JedisPubSub pubSub = subscription.get();
        if (pubSub == null || !connected()) {
            return;
        }
        try {
            if (System.nanoTime() - lastActivityNanos > TimeUnit.SECONDS.toNanos(SILENCE_SECONDS)) {
                abort();
            } else {
                pubSub.ping();
            }
        } catch (RuntimeException e) {
            abort();
        }
    }

    @Override
    protected void abort() {
        Jedis client = jedis.get();
        if (client != null) {
            try {
                client.disconnect();
            } catch (RuntimeException ignored) {
                // the blocked psubscribe sees the closed socket and returns
            }
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        super.close();
    }

    @Override
    protected String describe() {
        return endpoint.redactedUri() + " " + String.join(" ", patterns);
    }

    /** Escapes Redis glob metacharacters, so a key prefix like "app[1]" is matched literally. */
    static String escapeGlob(String s) {
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (char c : s.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
