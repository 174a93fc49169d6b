package io.github.queuemetrics.adapter.source.rabbitmq;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which queues a source reports: the fixed {@code queues:} list, or every broker queue whose name
 * the {@code queuePattern} regex finds ({@link java.util.regex.Matcher#find()}: unanchored, like
 * RabbitMQ's own {@code use_regex} filter and KEDA; write {@code ^...$} to anchor).
 *
 * <p>Pattern discovery leaves out Celery's own plumbing queues, which come and go with every
 * worker and would otherwise be summed into an HPA's metric by a broad pattern such as
 * {@code ^celery}: the per-worker remote-control queues {@code <node>.celery.pidbox} and
 * reply queues {@code <id>.reply.celery.pidbox} (every name ending in {@code .pidbox}), and the
 * event queues {@code celeryev.<uuid>}. A pattern whose text itself contains {@code pidbox}
 * (or {@code celeryev}) asks for those queues and gets them. A fixed list is taken as written.
 */
final class QueueSelection {

    private final List<String> fixed;
    private final Pattern pattern;
    private final boolean wantsPidbox;
    private final boolean wantsEvents;

    private QueueSelection(List<String> fixed, Pattern pattern) {
        this.fixed = fixed;
        this.pattern = pattern;
        this.wantsPidbox = pattern != null && pattern.pattern().contains("pidbox");
        this.wantsEvents = pattern != null && pattern.pattern().contains("celeryev");
    }

    static QueueSelection fixed(List<String> queues) {
        return new QueueSelection(List.copyOf(queues), null);
    }

    static QueueSelection pattern(Pattern pattern) {
        return new QueueSelection(List.of(), pattern);
    }

    boolean isFixed() {
        return pattern == null;
    }

    /** The configured queue names (empty for a pattern). */
    List<String> fixedQueues() {
        return fixed;
    }

    /** For a pattern: true when the broker queue {@code name} belongs to the source. */
    boolean discovers(String name) {
        if (pattern == null || !pattern.matcher(name).find()) {
            return false;
        }
        if (!wantsPidbox && name.endsWith(".pidbox")) {
            return false;
        }
        return wantsEvents || !name.startsWith("celeryev.");
    }
}
