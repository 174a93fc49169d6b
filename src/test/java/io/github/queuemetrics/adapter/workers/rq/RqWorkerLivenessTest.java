package io.github.queuemetrics.adapter.workers.rq;

import static io.github.queuemetrics.adapter.workers.rq.RqWorkerLiveness.Status.ALIVE;
import static io.github.queuemetrics.adapter.workers.rq.RqWorkerLiveness.Status.DRAINED;
import static io.github.queuemetrics.adapter.workers.rq.RqWorkerLiveness.Status.GONE;
import static io.github.queuemetrics.adapter.workers.rq.RqWorkerLiveness.Status.SILENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The liveness rule and its edges, with the TTLs rq's heartbeat() really sets. */
class RqWorkerLivenessTest {

    static final Instant HEARTBEAT = Instant.parse("2026-11-23T19:35:00Z");
    static final RqLivenessRules RULES = RqLivenessRules.DEFAULTS;

    /** A worker read {@code readAfter} after a heartbeat that set EXPIRE {@code expireSeconds}. */
    static RqWorkerInfo worker(String state, long expireSeconds, Duration readAfter, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>();
        h.put("queues", "a,b");
        h.put("state", state);
        h.put("last_heartbeat", HEARTBEAT.toString());
        h.put("birth", HEARTBEAT.minusSeconds(600).toString());
        h.putAll(extra);
        long ttl = expireSeconds * 1000 - readAfter.toMillis();
        return RqWorkerInfo.fromRedis("w1", true, h, ttl, Set.of(), HEARTBEAT.plus(readAfter));
    }

    static RqWorkerLiveness.Status status(RqWorkerInfo w, Instant now) {
        return RqWorkerLiveness.assess(w, false, now, RULES).status();
    }

    @Test
    void anIdleWorkerWithDefaultTtlIsAliveUntilWorkerTtlPlusToleranceAfterItsHeartbeat() {
        // idle: EXPIRE worker_ttl + 60 = 480; next heartbeat due after 405 s (BLPOP timeout)
        RqWorkerInfo w = worker("idle", 480, Duration.ofSeconds(5), Map.of());
        assertThat(status(w, HEARTBEAT.plusSeconds(405))).isEqualTo(ALIVE);
        assertThat(status(w, HEARTBEAT.plusSeconds(434))).isEqualTo(ALIVE);
        assertThat(status(w, HEARTBEAT.plusSeconds(435))).isEqualTo(SILENT);
        assertThat(status(w, HEARTBEAT.plusSeconds(479))).isEqualTo(SILENT);
        assertThat(status(w, HEARTBEAT.plusSeconds(480))).isEqualTo(GONE);
    }

    @Test
    void aBusyWorkerIsSilent45SecondsAfterItsLastHeartbeat() {
        // busy: EXPIRE job_monitoring_interval + 60 = 90, next heartbeat after 30 s
        RqWorkerInfo w = worker("busy", 90, Duration.ofSeconds(1), Map.of("current_job", "j1"));
        assertThat(status(w, HEARTBEAT.plusSeconds(30))).isEqualTo(ALIVE);
        assertThat(status(w, HEARTBEAT.plusSeconds(44))).isEqualTo(ALIVE);
        assertThat(status(w, HEARTBEAT.plusSeconds(45))).isEqualTo(SILENT);
        assertThat(status(w, HEARTBEAT.plusSeconds(90))).isEqualTo(GONE);
    }

    @Test
    void theRuleFollowsTheTtlTheWorkerSetAndNotTheClocks() {
        // a worker with --worker-ttl 5 heartbeats every second with EXPIRE 65
        RqWorkerInfo w = worker("idle", 65, Duration.ofMillis(200), Map.of());
        assertThat(status(w, HEARTBEAT.plusSeconds(19))).isEqualTo(ALIVE);
        assertThat(status(w, HEARTBEAT.plusSeconds(20))).isEqualTo(SILENT);
        // the same hash with a last_heartbeat from a worker clock 10 minutes behind: still alive
        Map<String, String> skewed = Map.of("last_heartbeat", HEARTBEAT.minusSeconds(600).toString());
        RqWorkerInfo skewedWorker = worker("idle", 65, Duration.ofMillis(200), skewed);
        assertThat(status(skewedWorker, HEARTBEAT.plusSeconds(1))).isEqualTo(ALIVE);
    }

    @Test
    void withoutAnExpiryTheLastHeartbeatIsComparedWithTheDefaultWorkerTtl() {
        RqWorkerInfo noExpiry = RqWorkerInfo.fromRedis("w1", true, Map.of("queues", "a", "state", "idle",
                "last_heartbeat", HEARTBEAT.toString()), -1, Set.of(), HEARTBEAT);
        assertThat(status(noExpiry, HEARTBEAT.plusSeconds(435))).isEqualTo(ALIVE);
        assertThat(status(noExpiry, HEARTBEAT.plusSeconds(436))).isEqualTo(SILENT);
        RqWorkerInfo never = RqWorkerInfo.fromRedis("w2", true, Map.of("queues", "a"), -1, Set.of(), HEARTBEAT);
        assertThat(status(never, HEARTBEAT)).isEqualTo(SILENT);
    }

    @Test
    void deathMeansGoneEvenWhileTheHashLives() {
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", false, Map.of("queues", "a", "state", "busy",
                "last_heartbeat", HEARTBEAT.toString(), "death", HEARTBEAT.plusSeconds(1).toString()),
                59_000, Set.of(), HEARTBEAT.plusSeconds(2));
        RqWorkerLiveness l = RqWorkerLiveness.assess(w, false, HEARTBEAT.plusSeconds(2), RULES);
        assertThat(l.status()).isEqualTo(GONE);
        assertThat(l.reason()).contains("exited at " + HEARTBEAT.plusSeconds(1));
    }

    @Test
    void aMissingHashIsGoneWhetherOrNotRqWorkersStillListsIt() {
        RqWorkerInfo killed = RqWorkerInfo.fromRedis("w1", true, Map.of(), -2, Set.of(), HEARTBEAT);
        RqWorkerLiveness l = RqWorkerLiveness.assess(killed, false, HEARTBEAT, RULES);
        assertThat(l.status()).isEqualTo(GONE);
        assertThat(l.reason()).contains("expired without a heartbeat");
        RqWorkerInfo left = RqWorkerInfo.fromRedis("w1", false, Map.of(), -2, Set.of(), HEARTBEAT);
        assertThat(RqWorkerLiveness.assess(left, false, HEARTBEAT, RULES).reason()).contains("no longer exists");
    }

    @Test
    void aHashWithoutRegistrationIsGone() {
        RqWorkerInfo w = RqWorkerInfo.fromRedis("w1", false, Map.of("queues", "a", "state", "idle",
                "last_heartbeat", HEARTBEAT.toString()), 400_000, Set.of(), HEARTBEAT);
        assertThat(status(w, HEARTBEAT)).isEqualTo(GONE);
    }

    @Test
    void aWarmShutdownWhileBusyIsDrained() {
        RqWorkerInfo w = worker("busy", 90, Duration.ofSeconds(1),
                Map.of("current_job", "j1", "shutdown_requested_date", HEARTBEAT.toString()));
        RqWorkerLiveness l = RqWorkerLiveness.assess(w, false, HEARTBEAT.plusSeconds(2), RULES);
        assertThat(l.status()).isEqualTo(DRAINED);
        assertThat(l.reason()).contains("warm shutdown requested").contains("finishing its current job");
        assertThat(l.status().live()).isTrue();
    }

    @Test
    void suspendedWorkersAreDrained() {
        RqWorkerInfo w = worker("suspended", 480, Duration.ofSeconds(1), Map.of());
        assertThat(RqWorkerLiveness.assess(w, false, HEARTBEAT.plusSeconds(2), RULES).reason()).contains("suspended");
        assertThat(status(w, HEARTBEAT.plusSeconds(2))).isEqualTo(DRAINED);
        RqWorkerInfo idle = worker("idle", 480, Duration.ofSeconds(1), Map.of());
        RqWorkerLiveness global = RqWorkerLiveness.assess(idle, true, HEARTBEAT.plusSeconds(2), RULES);
        assertThat(global.status()).isEqualTo(DRAINED);
        assertThat(global.reason()).contains("rq:suspended");
    }

    @Test
    void silenceOutranksDraining() {
        RqWorkerInfo w = worker("busy", 90, Duration.ofSeconds(1),
                Map.of("current_job", "j1", "shutdown_requested_date", HEARTBEAT.toString()));
        RqWorkerLiveness l = RqWorkerLiveness.assess(w, false, HEARTBEAT.plusSeconds(50), RULES);
        assertThat(l.status()).isEqualTo(SILENT);
        assertThat(l.reason()).contains("no heartbeat since").contains("expires in 40 s");
        assertThat(l.status().live()).isFalse();
    }

    @Test
    void anAliveReasonNamesStateAndQueues() {
        RqWorkerLiveness l = RqWorkerLiveness.assess(worker("idle", 480, Duration.ofSeconds(3), Map.of()), false,
                HEARTBEAT.plusSeconds(3), RULES);
        assertThat(l.status()).isEqualTo(ALIVE);
        assertThat(l.reason()).contains("state idle").contains("queues a,b").contains("3 s ago");
    }

    @Test
    void toleranceMustStayBelowRqsGrace() {
        assertThatThrownBy(() -> new RqLivenessRules(Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofSeconds(420))).isInstanceOf(IllegalArgumentException.class);
        assertThat(RULES.silentBelowTtl()).isEqualTo(Duration.ofSeconds(45));
    }
}
