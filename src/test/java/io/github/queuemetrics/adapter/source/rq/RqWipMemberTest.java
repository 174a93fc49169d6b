package io.github.queuemetrics.adapter.source.rq;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RqWipMemberTest {

    @Test
    void rq1MemberIsTheJobId() {
        assertThat(RqWipMember.jobId("04a530df-1c2b-4a3e-9d8f-6b2d1f0e7a11")).isEqualTo("04a530df-1c2b-4a3e-9d8f-6b2d1f0e7a11");
    }

    @Test
    void rq2MemberIsJobIdColonExecutionId() {
        assertThat(RqWipMember.jobId("04a530df-1c2b-4a3e-9d8f-6b2d1f0e7a11:3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6"))
                .isEqualTo("04a530df-1c2b-4a3e-9d8f-6b2d1f0e7a11");
    }

    @Test
    void twoExecutionsOfOneJobGiveOneJobId() {
        assertThat(RqWipMember.jobId("my_job:0123456789abcdef0123456789abcdef"))
                .isEqualTo(RqWipMember.jobId("my_job:fedcba9876543210fedcba9876543210"));
    }

    @Test
    void aColonWithoutAnExecutionIdStaysPartOfARq1CustomId() {
        assertThat(RqWipMember.jobId("report:2026-01")).isEqualTo("report:2026-01");
        assertThat(RqWipMember.jobId("job:abc")).isEqualTo("job:abc");
        assertThat(RqWipMember.jobId(":0123456789abcdef0123456789abcdef")).isEqualTo(":0123456789abcdef0123456789abcdef");
    }
}
