package io.github.queuemetrics.adapter.workers.celery;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One message taken from the reply queue: the {@code ticket} header and the decoded body, which
 * celery.worker.pidbox shapes as {@code {"<nodename>": <result>}} (one node per message).
 *
 * @param ticket the {@code ticket} header; null when the message carried none
 * @param body   the decoded JSON body
 */
public record PidboxReply(String ticket, JsonNode body) {
}
