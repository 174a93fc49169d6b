package io.github.queuemetrics.adapter.source.rabbitmq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the answer of {@code GET /api/queues/{vhost}} with Jackson's streaming parser: one pass,
 * no tree, one {@link ManagementQueue} per queue and nothing else kept, so that 10,000 queues
 * parse in a few milliseconds. Unknown fields (other columns, {@code samples}, a newer plugin's
 * additions) are skipped.
 *
 * <p>Accepts both shapes the plugin answers: the paginated object
 * {@code {"items":[..],"page":1,"page_count":3,..}} and, without {@code page}, a bare array.
 */
final class ManagementQueuesParser {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private ManagementQueuesParser() {
    }

    /** Parses one page; {@code fallbackVhost} fills in a queue whose {@code vhost} column is missing. */
    static ManagementQueuesPage parse(byte[] body, String fallbackVhost) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_ARRAY) {
                List<ManagementQueue> queues = readItems(p, fallbackVhost);
                return new ManagementQueuesPage(1, 1, queues.size(), queues);
            }
            if (first != JsonToken.START_OBJECT) {
                throw new IOException("expected a JSON object or array, got " + first);
            }
            int page = 1;
            int pageCount = -1;
            long filteredCount = -1;
            List<ManagementQueue> queues = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "items" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw new IOException("\"items\" is not an array");
                        }
                        queues = readItems(p, fallbackVhost);
                    }
                    case "page" -> page = p.getIntValue();
                    case "page_count" -> pageCount = p.getIntValue();
                    case "filtered_count" -> filteredCount = p.getLongValue();
                    default -> p.skipChildren();
                }
            }
            if (queues == null || pageCount < 0) {
                throw new IOException("paginated answer without \"items\" or \"page_count\"");
            }
            return new ManagementQueuesPage(page, pageCount, filteredCount, queues);
        }
    }

    /** Parses the answer of {@code GET /api/queues/{vhost}/{name}}: one queue object. */
    static ManagementQueue parseOne(byte[] body, String fallbackVhost) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("expected a JSON object");
            }
            return readQueue(p, fallbackVhost);
        }
    }

    /** Reads the array the parser stands at the start of. */
    private static List<ManagementQueue> readItems(JsonParser p, String fallbackVhost) throws IOException {
        List<ManagementQueue> queues = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            queues.add(readQueue(p, fallbackVhost));
        }
        return queues;
    }

    private static ManagementQueue readQueue(JsonParser p, String fallbackVhost) throws IOException {
        String name = null;
        String vhost = fallbackVhost;
        long ready = ManagementQueue.UNKNOWN;
        long unacked = ManagementQueue.UNKNOWN;
        long consumers = ManagementQueue.UNKNOWN;
        double publishRate = 0;
        double ackRate = 0;
        long published = ManagementQueue.UNKNOWN;
        long deliverGet = 0;
        long redeliver = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = p.getText();
                case "vhost" -> vhost = p.getText();
                case "messages_ready" -> ready = count(p, value);
                case "messages_unacknowledged" -> unacked = count(p, value);
                case "consumers" -> consumers = count(p, value);
                case "message_stats" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String stat = p.currentName();
                            JsonToken details = p.nextToken();
                            if (stat.equals("publish_details")) {
                                publishRate = rate(p, details);
                            } else if (stat.equals("ack_details")) {
                                ackRate = rate(p, details);
                            } else if (stat.equals("publish")) {
                                published = count(p, details);
                            } else if (stat.equals("deliver_get")) {
                                deliverGet = Math.max(0, count(p, details));
                            } else if (stat.equals("redeliver")) {
                                redeliver = Math.max(0, count(p, details));
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (name == null) {
            throw new IOException("a queue without \"name\"");
        }
        return new ManagementQueue(name, vhost, ready, unacked, consumers, publishRate, ackRate, published,
                Math.max(0, deliverGet - redeliver));
    }

    private static long count(JsonParser p, JsonToken value) throws IOException {
        return value.isNumeric() ? p.getLongValue() : ManagementQueue.UNKNOWN;
    }

    /**
     * The rate of one {@code *_details} object: {@code avg_rate} (the mean over
     * {@code msg_rates_age}, the last minute as requested) when present, else {@code rate} (the
     * last sampling interval), else 0; {@link Double#NaN} (unknown) when the chosen one is negative.
     */
    private static double rate(JsonParser p, JsonToken details) throws IOException {
        if (details != JsonToken.START_OBJECT) {
            p.skipChildren();
            return 0;
        }
        double rate = 0;
        double avgRate = Double.NaN;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("avg_rate") && value.isNumeric()) {
                avgRate = p.getDoubleValue();
            } else if (field.equals("rate") && value.isNumeric()) {
                rate = p.getDoubleValue();
            } else {
                p.skipChildren();
            }
        }
        double chosen = Double.isNaN(avgRate) ? rate : avgRate;
        // A counter reset (queue moved or re-declared, stats DB reset) makes the plugin compute a
        // negative rate from the drop: the true rate is unknown then, not 0 and not negative.
        return chosen >= 0 && Double.isFinite(chosen) ? chosen : Double.NaN;
    }
}
