package io.github.queuemetrics.adapter.workers.rq;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.workers.ProbeResult;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RqWorkerViewTest {

    static final Instant T0 = Instant.parse("2026-11-23T19:35:00Z");

    static RqWorkerInfo idle(String name, String queues, Instant at) {
        return info(name, queues, "idle", null, at, Map.of());
    }

    static RqWorkerInfo busy(String name, String queues, Instant at) {
        return info(name, queues, "busy", "job-" + name, at, Map.of());
    }

    static RqWorkerInfo info(String name, String queues, String state, String job, Instant at,
            Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(Map.of("queues", queues, "state", state,
                "last_heartbeat", at.toString()));
        if (job != null) {
            h.put("current_job", job);
        }
        h.putAll(extra);
        return RqWorkerInfo.fromRedis(name, true, h, "busy".equals(state) ? 90_000 : 480_000, Set.of(), at);
    }

    static RqWorkerPoll poll(Instant at, RqWorkerInfo... workers) {
        return new RqWorkerPoll(at, false, List.of(workers));
    }

    @Test
    void countsLiveAndBusyWorkersPerQueue() {
        RqWorkerView view = new RqWorkerView();
        Map<String, RqQueueWorkers> q = view.update(poll(T0, idle("w1", "a,b", T0), busy("w2", "a", T0),
                idle("w3", "c", T0)), List.of("a", "b", "empty"));
        assertThat(q.get("a")).isEqualTo(new RqQueueWorkers("a", 2, 1, 0.5));
        assertThat(q.get("b")).isEqualTo(new RqQueueWorkers("b", 1, 0, 0.0));
        assertThat(q.get("empty")).isEqualTo(new RqQueueWorkers("empty", 0, 0, 0.0));
        assertThat(q).doesNotContainKey("c");
        assertThat(view.queue("a")).contains(q.get("a"));
    }

    @Test
    void drainedWorkersStillCountButSilentAndGoneOnesDoNot() {
        RqWorkerInfo draining = info("d", "a", "busy", "j", T0, Map.of("shutdown_requested_date", T0.toString()));
        RqWorkerInfo dead = info("x", "a", "busy", "j", T0, Map.of("death", T0.toString()));
        // silent: its busy heartbeat was 50 s ago (hash TTL 40 s left)
        RqWorkerInfo silent = RqWorkerInfo.fromRedis("s", true, Map.of("queues", "a", "state", "busy",
                "current_job", "j", "last_heartbeat", T0.minusSeconds(50).toString()), 40_000, Set.of(), T0);
        RqWorkerInfo expired = RqWorkerInfo.fromRedis("e", true, Map.of(), -2, Set.of(), T0);
        Map<String, RqQueueWorkers> q = new RqWorkerView().update(poll(T0, draining, dead, silent, expired),
                List.of("a"));
        assertThat(q.get("a").total()).isEqualTo(1);
        assertThat(q.get("a").busy()).isEqualTo(1);
    }

    @Test
    void utilizationAveragesTheLastMinuteOfPolls() {
        RqWorkerView view = new RqWorkerView();
        // 4 polls 20 s apart: busy 2/2, 0/2, 1/2, 1/2 -> over (t-60, t] at t=60: polls at 20, 40, 60
        Instant t = T0;
        view.update(poll(t, busy("w1", "a", t), busy("w2", "a", t)), List.of("a"));
        t = T0.plusSeconds(20);
        view.update(poll(t, idle("w1", "a", t), idle("w2", "a", t)), List.of("a"));
        t = T0.plusSeconds(40);
        view.update(poll(t, busy("w1", "a", t), idle("w2", "a", t)), List.of("a"));
        t = T0.plusSeconds(60);
        Map<String, RqQueueWorkers> q = view.update(poll(t, idle("w1", "a", t), busy("w2", "a", t)), List.of("a"));
        assertThat(q.get("a").utilization()).isEqualTo((0 + 1 + 1) / 6.0);
    }

    @Test
    void probeIsReadyOnlyForAliveWorkersOnAFreshPoll() {
        RqWorkerView view = new RqWorkerView();
        assertThat(view.probe("w1", T0)).isEqualTo(ProbeResult.notReady("rq workers have not been polled yet"));
        RqWorkerInfo draining = info("d", "a", "busy", "j", T0, Map.of("shutdown_requested_date", T0.toString()));
        view.update(poll(T0, idle("w1", "a", T0), draining), List.of("a"));

        ProbeResult ok = view.probe("w1", T0.plusSeconds(1));
        assertThat(ok.ready()).isTrue();
        assertThat(ok.httpStatus()).isEqualTo(200);
        assertThat(ok.reason()).contains("alive");

        ProbeResult drained = view.probe("d", T0.plusSeconds(1));
        assertThat(drained.httpStatus()).isEqualTo(503);
        assertThat(drained.reason()).contains("drained");

        assertThat(view.probe("nobody", T0).reason()).contains("unknown");

        ProbeResult stale = view.probe("w1", T0.plusSeconds(31));
        assertThat(stale.ready()).isFalse();
        assertThat(stale.reason()).contains("no fresh data").contains("31 s ago");
    }

    @Test
    void probeJudgesSilenceAtProbeTimeNotOnlyAtPollTime() {
        RqWorkerView view = new RqWorkerView(RqLivenessRules.DEFAULTS, RqWorkerView.DEFAULT_UTILIZATION_WINDOW,
                java.time.Duration.ofMinutes(10));
        view.update(poll(T0, busy("w1", "a", T0)), List.of("a"));
        assertThat(view.probe("w1", T0.plusSeconds(44)).ready()).isTrue();
        ProbeResult silent = view.probe("w1", T0.plusSeconds(46));
        assertThat(silent.ready()).isFalse();
        assertThat(silent.reason()).contains("silent");
        assertThat(view.probe("w1", T0.plusSeconds(91)).reason()).contains("gone");
    }

    @Test
    void globalSuspensionDrainsEveryWorker() {
        RqWorkerView view = new RqWorkerView();
        view.update(new RqWorkerPoll(T0, true, List.of(idle("w1", "a", T0))), List.of("a"));
        assertThat(view.probe("w1", T0).reason()).contains("rq:suspended");
        assertThat(view.queue("a").orElseThrow().total()).isEqualTo(1);
    }
}
