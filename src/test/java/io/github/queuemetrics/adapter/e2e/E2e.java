package io.github.queuemetrics.adapter.e2e;

import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.cli.CommandLine;
import io.github.queuemetrics.adapter.cli.UsageException;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ConfigException;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/** What the end-to-end tests share: their broker namespaces and starting the adapter from YAML. */
final class E2e {

    /** The Redis DB of these tests (DBs 0 and 1 belong to the sample configuration). */
    static final int REDIS_DB = 15;
    /** The RabbitMQ vhost of these tests, so other tests' workers and broadcasts never reach them. */
    static final String VHOST = "qma-e2e";

    private E2e() {
    }

    /** Starts the adapter in-process, as Main does, on random ports, from a YAML configuration. */
    static Adapter startAdapter(String yaml) throws Exception {
        AdapterConfig config;
        try {
            config = ConfigLoader.parse(yaml, Map.of());
        } catch (ConfigException e) {
            throw new AssertionError("test configuration rejected: " + e.problems() + "\n" + yaml, e);
        }
        CommandLine.Options options;
        try {
            options = CommandLine.parse(new String[] {"--secure-port", "0", "--management-port", "0",
                "--authentication", "none"}, Map.of());
        } catch (UsageException e) {
            throw new AssertionError(e);
        }
        Adapter adapter = new Adapter(options, config);
        try {
            adapter.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            adapter.stop();
            throw e;
        }
        return adapter;
    }

    /** A connection to the tests' own Redis DB. */
    static Jedis redis(URI redisUri) {
        Jedis jedis = new Jedis(redisUri);
        jedis.select(REDIS_DB);
        return jedis;
    }
}
