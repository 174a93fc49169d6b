#!/usr/bin/env bash
# Brings up what the adapter and its tests need on a Debian machine, idempotently:
# RabbitMQ with the management and Prometheus plugins, Redis, Debian's Celery and RQ for the example workers, and
# Debian's Prometheus (prometheus, promtool) for the dashboard and alert-rule tests.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! /usr/bin/python3 -c 'import celery, rq, redis' 2>/dev/null; then
  echo "setup: installing Debian's python3-celery, python3-rq and python3-redis"
  apt_install python3-celery python3-rq python3-redis
fi

# The tests start their own Prometheus on a free port with a config and data directory of their
# own; the packaged service (port 9090) is not wanted, so it is stopped and disabled where the
# package's post-install started it (systemd machines; containers' policy-rc.d forbids it anyway).
if [ ! -x /usr/bin/prometheus ] || [ ! -x /usr/bin/promtool ]; then
  echo "setup: installing Debian's prometheus (prometheus and promtool)"
  apt_install prometheus
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done
  echo "setup: nothing listens on port $1 after 60 s ($2)" >&2; return 1
}

if ! port_open 6379; then
  echo "setup: starting Redis"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 redis
fi

if ! port_open 5672; then
  echo "setup: starting RabbitMQ"
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  as_root rabbitmq-server -detached
  wait_port 5672 rabbitmq
fi

# Debian ships the management plugin disabled; the adapter's unacked counts and rates need it.
if ! port_open 15672; then
  echo "setup: enabling the RabbitMQ management plugin"
  as_root rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_port 15672 rabbitmq-management
fi

# The prometheusUri mode reads per-queue counts from the Prometheus plugin (also disabled on Debian).
if ! port_open 15692; then
  echo "setup: enabling the RabbitMQ Prometheus plugin"
  as_root rabbitmq-plugins enable rabbitmq_prometheus >/dev/null
  wait_port 15692 rabbitmq-prometheus
fi
echo "setup: RabbitMQ (5672, management 15672, Prometheus 15692), Redis (6379), Celery/RQ and prometheus/promtool are ready"
