package io.github.queuemetrics.adapter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * What the brokers hold right now, read directly and independently of the adapter's code: the
 * RabbitMQ management API, Celery's Redis lists and {@code unacked} hash, RQ's lists and
 * started-job registries. Each method returns metric name to count for one queue.
 */
final class BrokerReads {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** kombu's default priority separator: a queue's lists are Q, Q\x06\x163, Q\x06\x166, Q\x06\x169. */
    private static final String SEP = "\u0006\u0016";

    private BrokerReads() {
    }

    /** GET /api/queues/{vhost}/{queue}: ready, unacked, their sum and consumers (all 0 when absent). */
    static Map<String, Long> rabbit(URI management, String userInfo, String vhost, String queue) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String path = "/api/queues/" + URLEncoder.encode(vhost, StandardCharsets.UTF_8) + "/"
                + URLEncoder.encode(queue, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(management.resolve(path))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            userInfo.getBytes(StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return counts(0, 0, null, 0L);
            }
            if (response.statusCode() != 200) {
                throw new AssertionError("management API " + path + ": " + response.statusCode() + " " + response.body());
            }
            JsonNode q = JSON.readTree(response.body());
            return counts(q.path("messages_ready").asLong(), q.path("messages_unacknowledged").asLong(), null,
                    q.path("consumers").asLong());
        } catch (java.io.IOException e) {
            throw new AssertionError("management API " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Celery on Redis: ready = LLEN summed over every priority list of the queue; unacked = entries
     * of the {@code unacked} hash whose routing key is the queue (every task of these tests is
     * routed by its queue name). Running tasks are not visible in Redis (no worker tracking).
     */
    static Map<String, Long> celeryRedis(Jedis redis, String queue) {
        long ready = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(queue + "*").count(1000));
            for (String key : page.getResult()) {
                if ((key.equals(queue) || key.startsWith(queue + SEP)) && "list".equals(redis.type(key))) {
                    ready += redis.llen(key);
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        long unacked = 0;
        for (String entry : redis.hvals("unacked")) {
            try {
                JsonNode triple = JSON.readTree(entry);
                if (queue.equals(triple.get(triple.size() - 1).asText())) {
                    unacked++;
                }
            } catch (java.io.IOException e) {
                throw new AssertionError("unacked entry is not JSON: " + entry, e);
            }
        }
        return counts(ready, unacked, null, null);
    }

    /** RQ: ready = LLEN rq:queue:Q; running = members of rq:wip:Q whose expiry is in the future. */
    static Map<String, Long> rq(Jedis redis, String queue) {
        long ready = redis.llen("rq:queue:" + queue);
        double now = System.currentTimeMillis() / 1000.0;
        long running = redis.zcount("rq:wip:" + queue, "(" + now, "+inf");
        return counts(ready, 0, running, null);
    }

    /** ready, unacked, outstanding = their sum + running, and running / consumers when measured (not null). */
    private static Map<String, Long> counts(long ready, long unacked, Long running, Long consumers) {
        Map<String, Long> m = new java.util.TreeMap<>();
        m.put("queue_ready", ready);
        m.put("queue_unacked", unacked);
        m.put("queue_outstanding", ready + unacked + (running == null ? 0 : running));
        if (running != null) {
            m.put("queue_running", running);
        }
        if (consumers != null) {
            m.put("queue_consumers", consumers);
        }
        return m;
    }
}
