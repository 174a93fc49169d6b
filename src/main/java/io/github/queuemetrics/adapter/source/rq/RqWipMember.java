package io.github.queuemetrics.adapter.source.rq;

import java.util.regex.Pattern;

/**
 * Parses members of the StartedJobRegistry ({@code rq:wip:<queue>}).
 *
 * <p>RQ 1.x stores the job id itself. RQ 2.x stores {@code <job_id>:<execution_id>}, where the
 * execution id is {@code uuid4().hex} (32 hex digits) and job ids may only hold
 * {@code [A-Za-z0-9_-]} (rq/job.py JOB_ID_PATTERN), so the last colon separates the two. One job
 * can have several executions in the registry at once (e.g. a re-run while an abandoned
 * execution has not expired yet), so running jobs are counted by distinct job id.
 *
 * <p>Only a 32-hex-digit suffix is taken for an execution id: a 1.x custom job id that happens
 * to contain a colon stays whole.
 */
final class RqWipMember {

    private static final Pattern EXECUTION_ID = Pattern.compile("[0-9a-fA-F]{32}");

    private RqWipMember() {
    }

    /** The job id of a wip member, in either layout. */
    static String jobId(String member) {
        int colon = member.lastIndexOf(':');
        if (colon > 0 && EXECUTION_ID.matcher(member).region(colon + 1, member.length()).matches()) {
            return member.substring(0, colon);
        }
        return member;
    }
}
