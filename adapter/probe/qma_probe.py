#!/usr/bin/env python3
"""Readiness probe for a Celery or RQ worker pod, answered by queue-metrics-adapter.

Standard library only, and it does not import Celery: an exec probe that runs
`celery inspect ping` starts the whole Celery app and a broker connection every period.
This asks the adapter, which already knows from heartbeats and its last poll whether this
worker is alive, consuming its queues and not drained.

usage: qma_probe.py [--url URL] [--namespace NS] [--pod POD] [--timeout SECONDS]
  --url        the adapter's management port (env QMA_PROBE_URL,
               default http://queue-metrics-adapter.queue-metrics.svc:8080)
  --namespace  default: env POD_NAMESPACE, else the service account's namespace file
  --pod        default: env POD_NAME, else the hostname (a pod's hostname is its name)
Exit 0 when the adapter answers 200, 1 otherwise; the adapter's reason is printed.
"""
import argparse
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def default_namespace():
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        with open(NAMESPACE_FILE, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "default"


def main(argv=None):
    parser = argparse.ArgumentParser(description="worker readiness from queue-metrics-adapter")
    parser.add_argument("--url", default=os.environ.get(
        "QMA_PROBE_URL", "http://queue-metrics-adapter.queue-metrics.svc:8080"))
    parser.add_argument("--namespace", default=None)
    parser.add_argument("--pod", default=os.environ.get("POD_NAME") or socket.gethostname())
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    namespace = args.namespace or default_namespace()
    url = "%s/probe/pod/%s/%s" % (args.url.rstrip("/"), urllib.parse.quote(namespace, safe=""),
                                  urllib.parse.quote(args.pod, safe=""))
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            print(response.read().decode("utf-8", "replace").strip())
            return 0
    except urllib.error.HTTPError as e:
        print("not ready (%d): %s" % (e.code, e.read().decode("utf-8", "replace").strip()))
        return 1
    except (urllib.error.URLError, OSError) as e:
        # The adapter itself is unreachable: say so, and fail. Kubernetes only marks the pod
        # unready (no restart), so an adapter outage does not kill busy workers.
        print("adapter unreachable at %s: %s" % (args.url, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
