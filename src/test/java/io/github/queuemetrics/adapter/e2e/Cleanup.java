package io.github.queuemetrics.adapter.e2e;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Removes what the end-to-end tests left on the brokers: their own Redis DB's keys and their own RabbitMQ queues. */
final class Cleanup {

    private Cleanup() {
    }

    /** Deletes every key of {@code redis}'s selected DB, which must be the tests' own (15), never a shared one. */
    static void redisDb(Jedis redis, int db) {
        if (db != E2e.REDIS_DB) {
            throw new IllegalArgumentException("refusing to empty Redis DB " + db + ": only DB " + E2e.REDIS_DB
                    + " belongs to these tests");
        }
        redis.select(db);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().count(1000));
            if (!page.getResult().isEmpty()) {
                redis.del(page.getResult().toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    /** DELETE /api/queues/{vhost}/{queue} for each queue (absent ones are fine). */
    static void rabbitQueues(URI management, String userInfo, String vhost, List<String> queues) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String queue : queues) {
            String path = "/api/queues/" + URLEncoder.encode(vhost, StandardCharsets.UTF_8) + "/"
                    + URLEncoder.encode(queue, StandardCharsets.UTF_8);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(management.resolve(path))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                userInfo.getBytes(StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(10)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2 && response.statusCode() != 404) {
                    throw new AssertionError("deleting queue " + queue + ": " + response.statusCode() + " "
                            + response.body());
                }
            } catch (java.io.IOException e) {
                throw new AssertionError("deleting queue " + queue + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
