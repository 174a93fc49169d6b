#!/usr/bin/env bash
# Runs one benchmark of bench/README.md. Usage:
#   bench/run.sh http|auth|celery-redis-poll|rabbit-poll|rabbit-prom-poll|memory|probe-rate|pidbox|pulp-poll|webhook|scaledown-latency|soak|serving [args...]
# Builds the jar and the test classes, computes the test classpath, then runs the bench main.
# Benches are measurements, not tests: they print numbers; bench/README.md says what to compare.
# BENCH_JAVA_OPTS: JVM flags for the bench's own JVM (benches that run adapter code in-process,
# e.g. celery-redis-poll, measure that code under these flags).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
    sed -n '2,3p' "$0"; exit 2
fi
bench="$1"; shift

if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
    mvn -q -B package -DskipTests dependency:build-classpath \
        -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test
fi
cp="target/classes:target/test-classes:$(cat target/test-cp.txt)"

case "$bench" in
    http)
        command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 2; }
        main=HttpBench ;;
    auth) main=AuthBench ;;
    celery-redis-poll) main=CeleryRedisPollBench ;;
    rabbit-poll) main=RabbitPollBench ;;
    rabbit-prom-poll) main=RabbitPromPollBench ;;
    memory) main=MemoryBench ;;
    probe-rate) main=ProbeRateBench ;;
    pidbox) main=PidboxBench ;;
    pulp-poll) main=PulpPollBench ;;
    soak) main=SoakBench ;;
    serving)
        command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 2; }
        main=ServingBench ;;
    webhook) main=WebhookBench ;;
    scaledown-latency) main=ScaleDownLatencyBench ;;
    *) echo "unknown bench: $bench" >&2; sed -n '2,3p' "$0" >&2; exit 2 ;;
esac
echo "# $(date -u +%FT%TZ) $bench on $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)${BENCH_JAVA_OPTS:+, bench JVM flags: $BENCH_JAVA_OPTS}"
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of flags
exec java ${BENCH_JAVA_OPTS:-} -cp "$cp" "io.github.queuemetrics.adapter.bench.$main" "$@"
