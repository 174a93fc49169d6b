#!/usr/bin/env bash
# Runs the adapter on this machine against the local RabbitMQ and Redis with adapter/adapter.yaml:
# starts the brokers if they are down, builds the jar if needed, and serves
#   https://localhost:6443  (external metrics API, self-signed certificate)
#   http://localhost:8080   (health, /metrics, worker probes)
# Extra arguments go to the adapter, e.g. --check-config.
set -euo pipefail
cd "$(dirname "$0")/.."
bash adapter/setup-local.sh
if [ ! -f target/queue-metrics-adapter.jar ] || [ -n "$(find src pom.xml -newer target/queue-metrics-adapter.jar -print -quit)" ]; then
  mvn -B -q -DskipTests package
fi
exec java -jar target/queue-metrics-adapter.jar --config adapter/adapter.yaml --authentication none "$@"
