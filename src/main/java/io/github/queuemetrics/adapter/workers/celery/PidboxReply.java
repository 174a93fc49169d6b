package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One message taken from the reply queue: the {@code ticket} header and the decoded body, which
 * celery.worker.pidbox shapes as {@code {"<nodename>": <result>}} (one node per message).
 *
 * @param ticket        the {@code ticket} header; null when the message carried none
 * @param body          the decoded JSON body; null when it was not decoded
 * @param oversizeBytes the body's size when it was above {@link PidboxMessages#MAX_REPLY_BYTES} and
 *                      therefore not decoded; 0 otherwise
 */
public record PidboxReply(String ticket, JsonNode body, long oversizeBytes) {

    public PidboxReply(String ticket, JsonNode body) {
        this(ticket, body, 0);
    }

    /** A reply too large to decode: only its ticket is known. */
    static PidboxReply oversized(String ticket, long bytes) {
        return new PidboxReply(ticket, null, bytes);
    }

    public boolean oversized() {
        return oversizeBytes > 0;
    }
}
