package io.github.queuemetrics.adapter.scaledown;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pod annotations that hold a drain: {@code queuemetrics.github.io/draining-since},
 * {@code .../drained-queues}, {@code .../drain-asked-at} and {@code .../drain-ended}.
 */
public final class DrainAnnotations {

    public static final String PREFIX = "queuemetrics.github.io/";
    /** RFC 3339 time the drain started. */
    public static final String SINCE = PREFIX + "draining-since";
    /** JSON array of the queue names the worker was made to stop consuming (a queue name may hold a comma). */
    public static final String QUEUES = PREFIX + "drained-queues";

    /** RFC 3339 time of the last review that asked for the pod to go. */
    public static final String ASKED = PREFIX + "drain-asked-at";

    /**
     * The {@link #SINCE} of the drain whose end was observed (once, by whichever replica saw it end):
     * equal to {@code SINCE} while that drain lasts, stale (so ignored) once another drain starts.
     */
    public static final String ENDED = PREFIX + "drain-ended";

    /** The ReplicaSet controller deletes the pods with the lowest cost first (default 0). */
    public static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
    /** What the hook sets on a Deployment's victims: below any cost a person would choose. */
    public static final int VICTIM_DELETION_COST = -1_000_000;

    /** The pod's deletion cost, if it has one that is an int (the API server accepts only those). */
    static Optional<Integer> deletionCost(Map<String, String> annotations) {
        String value = annotations == null ? null : annotations.get(DELETION_COST);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private DrainAnnotations() {
    }

    /** The drain mark in {@code annotations}, or empty; a mark with an unreadable time counts as none. */
    public static Optional<DrainMark> read(Map<String, String> annotations) {
        if (annotations == null || !annotations.containsKey(SINCE)) {
            return Optional.empty();
        }
        try {
            Instant since = Instant.parse(annotations.get(SINCE));
            String queues = annotations.get(QUEUES);
            List<String> names = queues == null || queues.isBlank() ? List.of()
                    : JSON.readValue(queues, new TypeReference<List<String>>() { });
            Instant asked = annotations.containsKey(ASKED) ? Instant.parse(annotations.get(ASKED)) : since;
            return Optional.of(new DrainMark(since, names, asked, annotations.get(SINCE).equals(annotations.get(ENDED))));
        } catch (DateTimeParseException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The annotations that write {@code mark}. */
    public static Map<String, String> write(DrainMark mark) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(SINCE, mark.since().toString());
        try {
            out.put(QUEUES, JSON.writeValueAsString(mark.queues()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.put(ASKED, mark.lastAsked().toString());
        return out;
    }
}
