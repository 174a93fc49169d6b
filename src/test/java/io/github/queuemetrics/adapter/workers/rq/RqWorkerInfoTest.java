package io.github.queuemetrics.adapter.workers.rq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parsing worker hashes as rq 1.13, 2.10 and master write them. */
class RqWorkerInfoTest {

    static final Instant READ_AT = Instant.parse("2026-11-23T19:36:00Z");

    /** The hash rq 1.13 wrote for a busy worker (captured on loopback; see broker-protocols.md §5). */
    static Map<String, String> rq113Busy() {
        Map<String, String> h = new HashMap<>();
        h.put("birth", "2026-11-23T19:35:20.880237Z");
        h.put("last_heartbeat", "2026-11-23T19:35:23.842848Z");
        h.put("queues", "short-running-tasks,long-running-tasks");
        h.put("pid", "13049");
        h.put("hostname", "vm");
        h.put("ip_address", "127.0.0.1:51922");
        h.put("version", "1.13.0");
        h.put("python_version", "3.11.2 (main) [GCC 12.2.0]");
        h.put("state", "busy");
        h.put("current_job", "04a530df-1111-2222-3333-444455556666");
        h.put("current_job_working_time", "0");
        h.put("successful_job_count", "7");
        h.put("failed_job_count", "1");
        h.put("total_working_time", "12.5");
        return h;
    }

    @Test
    void parsesAnRq1BusyHash() {
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, rq113Busy(), 85_000, Set.of(), READ_AT);
        assertThat(w.hashPresent()).isTrue();
        assertThat(w.registered()).isTrue();
        assertThat(w.queues()).containsExactly("short-running-tasks", "long-running-tasks");
        assertThat(w.state()).isEqualTo("busy");
        assertThat(w.currentJobs()).containsExactly("04a530df-1111-2222-3333-444455556666");
        assertThat(w.executionsLayout()).isFalse();
        assertThat(w.busy()).isTrue();
        assertThat(w.lastHeartbeat()).isEqualTo(Instant.parse("2026-11-23T19:35:23.842848Z"));
        assertThat(w.birth()).isEqualTo(Instant.parse("2026-11-23T19:35:20.880237Z"));
        assertThat(w.death()).isNull();
        assertThat(w.shutdownRequested()).isNull();
        assertThat(w.successfulJobCount()).isEqualTo(7);
        assertThat(w.failedJobCount()).isEqualTo(1);
        assertThat(w.totalWorkingTimeSeconds()).isEqualTo(12.5);
        assertThat(w.pid()).isEqualTo(13049L);
        assertThat(w.hostname()).isEqualTo("vm");
        assertThat(w.version()).isEqualTo("1.13.0");
        assertThat(w.expiresAt()).contains(READ_AT.plusSeconds(85));
        assertThat(w.consumes("long-running-tasks")).isTrue();
        assertThat(w.consumes("celery")).isFalse();
    }

    @Test
    void anIdleHashHasNoJob() {
        Map<String, String> h = rq113Busy();
        h.put("state", "idle");
        h.remove("current_job");
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, h, 400_000, Set.of(), READ_AT);
        assertThat(w.busy()).isFalse();
        assertThat(w.currentJobs()).isEmpty();
    }

    @Test
    void rqMasterExecutionsSetReplacesCurrentJob() {
        Map<String, String> h = rq113Busy();
        h.remove("current_job");
        h.put("version", "2.11.0.dev0");
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, h, 85_000,
                Set.of("04a530df-aaaa:7f3c", "9bb1-bbbb:0001"), READ_AT);
        assertThat(w.executionsLayout()).isTrue();
        assertThat(w.currentJobs()).containsExactlyInAnyOrder("04a530df-aaaa:7f3c", "9bb1-bbbb:0001");
        assertThat(w.busy()).isTrue();
    }

    @Test
    void aWorkerWithAnExecutionButStateNotYetBusyIsBusy() {
        Map<String, String> h = rq113Busy();
        h.remove("current_job");
        h.put("state", "idle");
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, h, 85_000, Set.of("job:exec"), READ_AT);
        assertThat(w.busy()).isTrue();
    }

    @Test
    void aMissingHashIsReportedAsSuch() {
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, Map.of(), -2, Set.of(), READ_AT);
        assertThat(w.hashPresent()).isFalse();
        assertThat(w.keyTtlMillis()).isEqualTo(-2);
        assertThat(w.expiresAt()).isEmpty();
        assertThat(w.queues()).isEmpty();
        assertThat(w.busy()).isFalse();
    }

    @Test
    void deathAndShutdownDatesAreRead() {
        Map<String, String> h = rq113Busy();
        h.put("shutdown_requested_date", "2026-11-23T19:35:50.000001Z");
        h.put("death", "2026-11-23T19:35:59.5Z");
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", false, h, 59_000, Set.of(), READ_AT);
        assertThat(w.shutdownRequested()).isEqualTo(Instant.parse("2026-11-23T19:35:50.000001Z"));
        assertThat(w.death()).isEqualTo(Instant.parse("2026-11-23T19:35:59.5Z"));
    }

    @Test
    void toleratesOldAndBrokenFieldFormats() {
        assertThat(RqWorkerInfo.parseTime("2026-11-23T19:35:20")).isEqualTo(Instant.parse("2026-11-23T19:35:20Z"));
        assertThat(RqWorkerInfo.parseTime("2026-11-23T19:35:20.1234")).isEqualTo(
                Instant.parse("2026-11-23T19:35:20.1234Z"));
        assertThat(RqWorkerInfo.parseTime("yesterday")).isNull();
        assertThat(RqWorkerInfo.parseTime("")).isNull();
        Map<String, String> h = new HashMap<>();
        h.put("queues", " a , ,b ");
        h.put("successful_job_count", "many");
        h.put("pid", "12.0");
        h.put("total_working_time", "x");
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", true, h, -1, null, READ_AT);
        assertThat(w.queues()).isEqualTo(List.of("a", "b"));
        assertThat(w.successfulJobCount()).isZero();
        assertThat(w.pid()).isEqualTo(12L);
        assertThat(w.totalWorkingTimeSeconds()).isZero();
        assertThat(w.expiresAt()).isEmpty();
    }
}
