package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Finds the real brokers for integration tests: an environment variable first, then the local
 * service on its standard port, then a Testcontainers container where Docker is available. Where
 * none can be had, the test fails with a message saying what was tried: never a silent skip.
 */
public final class Brokers {

    private static final Map<String, GenericContainer<?>> CONTAINERS = new ConcurrentHashMap<>();

    private Brokers() {
    }

    /** amqp://guest:guest@host:port/%2F (env RABBITMQ_URI). */
    public static URI rabbitAmqpUri() {
        String env = System.getenv("RABBITMQ_URI");
        if (env != null && !env.isBlank()) {
            return URI.create(env);
        }
        if (reachable("localhost", 5672)) {
            return URI.create("amqp://guest:guest@localhost:5672/%2F");
        }
        GenericContainer<?> c = container("rabbitmq:3-management", 5672, 15672);
        return URI.create("amqp://guest:guest@" + c.getHost() + ":" + c.getMappedPort(5672) + "/%2F");
    }

    /** http://host:15672 (env RABBITMQ_MANAGEMENT_URI); the management plugin must be enabled. */
    public static URI rabbitManagementUri() {
        String env = System.getenv("RABBITMQ_MANAGEMENT_URI");
        if (env != null && !env.isBlank()) {
            return URI.create(env);
        }
        if (reachable("localhost", 15672)) {
            return URI.create("http://localhost:15672");
        }
        if (reachable("localhost", 5672)) {
            throw new IllegalStateException("RabbitMQ runs on localhost:5672 but its management plugin does not "
                    + "answer on 15672: run `rabbitmq-plugins enable rabbitmq_management` (.ci/run does) "
                    + "or set RABBITMQ_MANAGEMENT_URI");
        }
        GenericContainer<?> c = container("rabbitmq:3-management", 5672, 15672);
        return URI.create("http://" + c.getHost() + ":" + c.getMappedPort(15672));
    }

    /**
     * http://host:15692 (env RABBITMQ_PROMETHEUS_URI): the rabbitmq_prometheus plugin. Fails with
     * what to do when nothing answers: there is no container fallback for this plugin.
     */
    public static URI rabbitPrometheusUri() {
        String env = System.getenv("RABBITMQ_PROMETHEUS_URI");
        if (env != null && !env.isBlank()) {
            return URI.create(env);
        }
        if (reachable("localhost", 15692)) {
            return URI.create("http://localhost:15692");
        }
        throw new IllegalStateException("nothing answers on localhost:15692: enable the RabbitMQ Prometheus plugin "
                + "(`rabbitmq-plugins enable rabbitmq_prometheus`; adapter/setup-local.sh does) or set "
                + "RABBITMQ_PROMETHEUS_URI");
    }

    /** redis://host:port/db (env REDIS_URI gives host and port; the db is the test's own). */
    public static URI redisUri(int db) {
        String env = System.getenv("REDIS_URI");
        if (env != null && !env.isBlank()) {
            URI base = URI.create(env);
            return URI.create(base.getScheme() + "://" + (base.getUserInfo() == null ? "" : base.getUserInfo() + "@")
                    + base.getHost() + ":" + (base.getPort() < 0 ? 6379 : base.getPort()) + "/" + db);
        }
        if (reachable("localhost", 6379)) {
            return URI.create("redis://localhost:6379/" + db);
        }
        GenericContainer<?> c = container("redis:7", 6379);
        return URI.create("redis://" + c.getHost() + ":" + c.getMappedPort(6379) + "/" + db);
    }

    /**
     * A RabbitMQ vhost of the test's own (created through the management API, with full
     * permissions for the URI's user), so that tests running side by side never see each other's
     * queues, pidbox broadcasts or events. Returns amqp://user:pass@host:port/{vhost}.
     */
    public static URI rabbitVhost(String vhost) {
        URI amqp = rabbitAmqpUri();
        URI management = rabbitManagementUri();
        String userInfo = amqp.getUserInfo() == null ? "guest:guest" : amqp.getUserInfo();
        String user = userInfo.split(":", 2)[0];
        String encoded = java.net.URLEncoder.encode(vhost, java.nio.charset.StandardCharsets.UTF_8);
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(
                userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        // HTTP/1.1: the JDK client's h2c upgrade attempt makes the management plugin close the connection.
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try {
            for (String path : new String[] {"/api/vhosts/" + encoded, "/api/permissions/" + encoded + "/" + user}) {
                String body = path.startsWith("/api/vhosts") ? "{}" : "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}";
                java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                                management.resolve(path))
                        .header("Authorization", auth).header("Content-Type", "application/json")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("creating vhost " + vhost + ": " + path + " answered "
                            + response.statusCode() + " " + response.body());
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("creating vhost " + vhost + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return URI.create(amqp.getScheme() + "://" + userInfo + "@" + amqp.getHost() + ":"
                + (amqp.getPort() < 0 ? 5672 : amqp.getPort()) + "/" + encoded);
    }

    /** Deletes a vhost {@link #rabbitVhost} created, with everything in it (an absent one is fine). */
    public static void deleteRabbitVhost(String vhost) {
        URI amqp = rabbitAmqpUri();
        String userInfo = amqp.getUserInfo() == null ? "guest:guest" : amqp.getUserInfo();
        String path = "/api/vhosts/" + java.net.URLEncoder.encode(vhost, java.nio.charset.StandardCharsets.UTF_8);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try {
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                            rabbitManagementUri().resolve(path))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                            userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2 && response.statusCode() != 404) {
                throw new IllegalStateException("deleting vhost " + vhost + ": " + response.statusCode() + " "
                        + response.body());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("deleting vhost " + vhost + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The same broker URI with the scheme kombu expects (amqp://…// for the default vhost). */
    public static String celeryBrokerUrl(URI amqpOrRedis) {
        String s = amqpOrRedis.toString();
        return s.endsWith("/%2F") ? s.substring(0, s.length() - 3) + "/" : s;
        // any other vhost is the URI path as it is: amqp://guest:guest@localhost:5672/qma-test
    }

    static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static GenericContainer<?> container(String image, int... ports) {
        return CONTAINERS.computeIfAbsent(image, name -> {
            boolean docker;
            try {
                docker = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException e) {
                docker = false;
            }
            if (!docker) {
                throw new IllegalStateException("no broker for " + name + ": no environment variable set, nothing "
                        + "listening on localhost:" + ports[0] + ", and no Docker for Testcontainers. Start the "
                        + "service (see README, `.ci/run` starts them) or set RABBITMQ_URI / REDIS_URI.");
            }
            GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(name)).withExposedPorts(
                    java.util.Arrays.stream(ports).boxed().toArray(Integer[]::new));
            c.start();
            return c;
        });
    }
}
