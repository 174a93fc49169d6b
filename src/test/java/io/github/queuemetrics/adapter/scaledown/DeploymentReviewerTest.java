package io.github.queuemetrics.adapter.scaledown;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.config.ScaleDownConfig.Workload;
import io.github.queuemetrics.adapter.config.WorkloadKind;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.RunningTask;
import io.github.queuemetrics.adapter.scaledown.WorkerControl.WorkerLoad;
import io.github.queuemetrics.adapter.scaledown.WorkloadCluster.DrainMark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deployments: the cheapest pods are chosen, given the lowest pod-deletion-cost, drained and waited for. */
class DeploymentReviewerTest {

    static final Instant NOW = Instant.parse("2026-12-01T22:00:00Z");
    static final Workload WEB = new Workload(WorkloadKind.DEPLOYMENT, "workers", "web", "rabbit", "celery@{pod}");

    final FakeCluster cluster = FakeCluster.deployment("web", 3, "web-a", "web-b", "web-c");
    final FakeWorkers workers = new FakeWorkers().worker("celery@web-a", "q").worker("celery@web-b", "q")
            .worker("celery@web-c", "q");
    final DrainMarks marks = new DrainMarks(Duration.ofSeconds(45));
    final DeploymentReviewer reviewer = new DeploymentReviewer(cluster, Duration.ofMinutes(10), marks, Runnable::run,
            new ScaleDownMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC),
            TestChecks.eachReview(Runnable::run, Clock.fixed(NOW, ZoneOffset.UTC)));

    Decision review(int from, int to, boolean dryRun) {
        return reviewer.review(new ScaleRequest("uid", WorkloadKind.DEPLOYMENT, "workers", "web", Optional.of(from),
                to, dryRun), WEB, workers);
    }

    @Test
    void whileTheWorkersAreSlowCostsAndVictimsComeFromTheLastChecks() {
        WorkerChecksTest.SlowWorkers slow = new WorkerChecksTest.SlowWorkers();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        DeploymentReviewer slowReviewer = new DeploymentReviewer(cluster, Duration.ofMinutes(10), marks, slow,
                new ScaleDownMetrics(new SimpleMeterRegistry()), clock, TestChecks.eachReview(Duration.ofMillis(30),
                Duration.ofMillis(300), slow, clock));
        ScaleRequest request = new ScaleRequest("uid", WorkloadKind.DEPLOYMENT, "workers", "web", Optional.of(3), 2,
                false);
        workers.runs("celery@web-a", "tasks.sleep", "t-a").runs("celery@web-b", "tasks.sleep", "t-b")
                .runs("celery@web-b", "tasks.sleep", "t-b2").runs("celery@web-c", "tasks.sleep", "t-c")
                .runs("celery@web-c", "tasks.sleep", "t-c2");
        Decision first = slowReviewer.review(request, WEB, workers);
        assertThat(first.message()).contains("web-a (celery@web-a) runs tasks.sleep[t-a]");
        slow.awaitIdle();
        workers.finishes("celery@web-a");

        slow.close(); // the workers answer late from now on
        Decision second = slowReviewer.review(request, WEB, workers);
        // the same victim (earlier loads), and what its drain check saw: still busy, said at once
        assertThat(second.allowed()).isFalse();
        assertThat(second.message()).contains("web-a (celery@web-a) runs tasks.sleep[t-a]");
        slow.open();
        slow.awaitIdle();
        slow.close();
        assertThat(slowReviewer.review(request, WEB, workers).allowed()).isTrue();
        slow.open();
    }

    @Test
    void theDeletionCostIsWrittenOnceWhileTheHpaAsksAgain() {
        workers.runs("celery@web-a", "tasks.sleep", "t-a").runs("celery@web-b", "tasks.sleep", "t-b")
                .runs("celery@web-c", "tasks.sleep", "t-c");
        assertThat(review(3, 2, false).allowed()).isFalse();
        assertThat(review(3, 2, false).allowed()).isFalse();
        assertThat(cluster.writes.stream().filter(w -> w.startsWith("cost "))).containsExactly("cost web-a -1000000");
        // removed with an undo (or by someone else): written again
        cluster.pods.put("web-a", new WorkloadCluster.PodState("web-a", true, cluster.pods.get("web-a").drain()));
        review(3, 2, false);
        assertThat(cluster.writes.stream().filter(w -> w.startsWith("cost "))).hasSize(2);
        assertThat(DrainAnnotations.deletionCost(Map.of(DrainAnnotations.DELETION_COST, " -1000000"))).contains(-1_000_000);
        assertThat(DrainAnnotations.deletionCost(Map.of(DrainAnnotations.DELETION_COST, "cheap"))).isEmpty();
        assertThat(DrainAnnotations.deletionCost(null)).isEmpty();
    }

    @Test
    void theIdlePodGoesFirstAndAllowedAtOnce() {
        workers.runs("celery@web-a", "tasks.sleep", "t-a").runs("celery@web-c", "tasks.sleep", "t-c")
                .prefetched("celery@web-c", 1);

        Decision d = review(3, 2, false);

        assertThat(d.allowed()).isTrue();
        assertThat(d.message()).isEqualTo("Deployment workers/web 3 -> 2: allowed, web-b holds no tasks");
        assertThat(cluster.writes).containsExactly("cost web-b -1000000", "mark web-b [q]",
                "Normal ScaleDownDraining Deployment workers/web: pod web-b (worker celery@web-b) takes no new tasks "
                        + "from q; the scale-down waits until it is idle");
        assertThat(workers.commands).contains("cancel_consumer celery@web-b [q]");
    }

    @Test
    void whenAllAreBusyTheCheapestIsDrainedAndWaitedFor() {
        workers.runs("celery@web-a", "tasks.sleep", "t-a1").runs("celery@web-a", "tasks.sleep", "t-a2")
                .runs("celery@web-b", "tasks.sleep", "t-b").runs("celery@web-c", "tasks.sleep", "t-c")
                .prefetched("celery@web-c", 2);

        Decision d = review(3, 2, false);

        assertThat(d.allowed()).isFalse();
        assertThat(d.message()).startsWith("Deployment workers/web 3 -> 2: denied while web-b (celery@web-b) runs "
                + "tasks.sleep[t-b];");
        assertThat(cluster.writes).startsWith("cost web-b -1000000", "mark web-b [q]");
    }

    @Test
    void aDrainedPodStaysTheVictimThoughAnotherBecameCheaper() {
        cluster.marked("web-c", new DrainMark(NOW.minusSeconds(20), List.of("q")));
        workers.queues.get("celery@web-c").clear();
        workers.runs("celery@web-c", "tasks.sleep", "t-c");
        Decision d = review(3, 2, false);
        assertThat(d.message()).contains("web-c (celery@web-c) runs tasks.sleep[t-c]");
        assertThat(workers.commands).noneMatch(c -> c.startsWith("cancel_consumer"));
    }

    @Test
    void aPodNoLongerAVictimAndEveryPodOnAScaleUpIsUndone() {
        cluster.marked("web-a", new DrainMark(NOW, List.of("q")));
        cluster.marked("web-b", new DrainMark(NOW, List.of("q")));
        workers.runs("celery@web-c", "tasks.sleep", "t-c");
        review(3, 2, false); // one of the two drained pods is enough
        assertThat(workers.commands).containsOnlyOnce("add_consumer celery@web-b [q]");
        assertThat(cluster.writes).contains("clear web-b");

        review(2, 3, false);
        assertThat(workers.commands).contains("add_consumer celery@web-a [q]");
        assertThat(cluster.pods.values()).allMatch(p -> p.drain().isEmpty());
    }

    @Test
    void aDryRunSetsNoCostAndDrainsNothing() {
        workers.runs("celery@web-a", "tasks.sleep", "t-a").runs("celery@web-b", "tasks.sleep", "t-b")
                .runs("celery@web-c", "tasks.sleep", "t-c");
        assertThat(review(3, 2, true).allowed()).isFalse();
        assertThat(cluster.writes).isEmpty();
        assertThat(workers.commands).noneMatch(c -> c.startsWith("cancel_consumer"));
    }

    @Test
    void onePodWithOneTenMinuteTaskCostsMoreThanOneWithTwoFiveSecondTasks() {
        WorkerLoad oneLong = new WorkerLoad(List.of(new RunningTask("t", "long", NOW.minusSeconds(600))), 0);
        WorkerLoad twoShort = new WorkerLoad(List.of(new RunningTask("t", "s1", NOW.minusSeconds(5)),
                new RunningTask("t", "s2", NOW.minusSeconds(5))), 0);
        assertThat(DeploymentVictims.cost(true, oneLong, NOW)).isEqualTo(60 + 600);
        assertThat(DeploymentVictims.cost(true, twoShort, NOW)).isEqualTo(2 * (60 + 5));
        assertThat(DeploymentVictims.cost(true, oneLong, NOW)).isGreaterThan(DeploymentVictims.cost(true, twoShort, NOW));
    }

    @Test
    void theReviewerDrainsThePodWithTwoShortTasksNotTheOneWithALongTask() {
        workers.runs("celery@web-a", "tasks.sleep", "long", NOW.minusSeconds(600))
                .runs("celery@web-b", "tasks.sleep", "s1", NOW.minusSeconds(5))
                .runs("celery@web-b", "tasks.sleep", "s2", NOW.minusSeconds(5))
                .runs("celery@web-c", "tasks.sleep", "c1", NOW.minusSeconds(900));

        review(3, 2, false);

        assertThat(cluster.writes).startsWith("cost web-b -1000000", "mark web-b [q]");
    }

    @Test
    void runTimesAreCappedUnknownStartsCountTheBaseAndTheSumStaysAnInt32() {
        assertThat(DeploymentVictims.cost(true, new WorkerLoad(List.of(new RunningTask("t", "1")), 3), NOW))
                .isEqualTo(63);
        // a start in the future (clock skew) counts as just started
        assertThat(DeploymentVictims.cost(true, new WorkerLoad(List.of(new RunningTask("t", "1",
                NOW.plusSeconds(30))), 0), NOW)).isEqualTo(60);
        assertThat(DeploymentVictims.cost(true, new WorkerLoad(List.of(new RunningTask("t", "1",
                Instant.EPOCH)), 0), NOW)).isEqualTo(60 + 86_400);
        List<RunningTask> many = java.util.stream.IntStream.range(0, 30_000)
                .mapToObj(i -> new RunningTask("t", "x" + i, Instant.EPOCH)).toList();
        assertThat(DeploymentVictims.cost(true, new WorkerLoad(many, Integer.MAX_VALUE), NOW))
                .isEqualTo(Integer.MAX_VALUE - 1);
    }

    @Test
    void costsAndChoice() {
        assertThat(DeploymentVictims.cost(false, null, NOW)).isZero();
        assertThat(DeploymentVictims.cost(true, null, NOW)).isEqualTo(Integer.MAX_VALUE);
        Map<String, Integer> costs = new LinkedHashMap<>();
        costs.put("p-1", 20);
        costs.put("p-2", 3);
        costs.put("p-3", 3);
        costs.put("p-4", 0);
        assertThat(DeploymentVictims.choose(costs, Set.of(), 2)).containsExactly("p-4", "p-2");
        assertThat(DeploymentVictims.choose(costs, Set.of("p-1"), 2)).containsExactly("p-1", "p-4");
        assertThat(DeploymentVictims.choose(costs, Set.of(), 9)).hasSize(4);
    }
}
