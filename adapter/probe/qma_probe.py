#!/usr/bin/env python3
"""Readiness probe and preStop command for a Celery or RQ worker pod, answered by queue-metrics-adapter.

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

usage: qma_probe.py pre-stop [--url URL] [--cacert FILE | --insecure] [--namespace NS] [--pod POD]
                             [--timeout SECONDS] [--token-file FILE]
  The pod's lifecycle.preStop: asks the adapter (POST /hooks/pre-stop/NS/POD on its secure port)
  to drain this pod's worker and waits until it is idle, printing the adapter's lines.
  --url        the adapter's secure port (env QMA_PRESTOP_URL,
               default https://queue-metrics-adapter.queue-metrics.svc:443)
  --cacert     the CA that signed the adapter's serving certificate (env QMA_CA_FILE)
  --insecure   do not verify the certificate (the adapter's self-signed development certificate)
  --timeout    the longest to wait, in seconds (env QMA_PRESTOP_TIMEOUT, default 25): just under
               the pod's terminationGracePeriodSeconds, so the worker still gets SIGTERM in time
  --token-file sent as a bearer token (for the adapter's delegated authentication, when enabled)
Always exits 0: a preStop hook that fails is only logged by the kubelet, and the adapter being
down must never hold a pod's termination. Why it stopped waiting is printed.
"""
import argparse
import os
import signal
import socket
import ssl
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


def probe(argv):
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


class OutOfTime(Exception):
    pass


def on_alarm(signum, frame):
    raise OutOfTime()


def pre_stop(argv):
    parser = argparse.ArgumentParser(prog="qma_probe.py pre-stop",
                                     description="drain this worker before the pod stops")
    parser.add_argument("--url", default=os.environ.get(
        "QMA_PRESTOP_URL", "https://queue-metrics-adapter.queue-metrics.svc:443"))
    parser.add_argument("--cacert", default=os.environ.get("QMA_CA_FILE"))
    parser.add_argument("--insecure", action="store_true")
    parser.add_argument("--namespace", default=None)
    parser.add_argument("--pod", default=os.environ.get("POD_NAME") or socket.gethostname())
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("QMA_PRESTOP_TIMEOUT", "25")))
    parser.add_argument("--token-file", default=None)
    args = parser.parse_args(argv)
    namespace = args.namespace or default_namespace()
    # The adapter stops a second before we do, so its last line (why it stopped) arrives.
    server_limit = max(1, int(args.timeout) - 1)
    url = "%s/hooks/pre-stop/%s/%s?timeoutSeconds=%d" % (
        args.url.rstrip("/"), urllib.parse.quote(namespace, safe=""), urllib.parse.quote(args.pod, safe=""),
        server_limit)
    headers = {}
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            headers["Authorization"] = "Bearer " + f.read().strip()
    if args.insecure:
        context = ssl._create_unverified_context()
    else:
        context = ssl.create_default_context(cafile=args.cacert)
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
    # A hard deadline for the whole wait (a socket timeout only bounds each read).
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(max(1, int(args.timeout)))
    try:
        # The adapter writes a line at least every 10 s while it waits.
        with urllib.request.urlopen(request, timeout=min(args.timeout, 30), context=context) as response:
            for line in response:
                print(line.decode("utf-8", "replace").rstrip("\n"), flush=True)
    except OutOfTime:
        print("pre-stop: stopped waiting after %s s (--timeout); the pod stops now" % args.timeout)
    except urllib.error.HTTPError as e:
        print("pre-stop: the adapter refused (%d): %s" % (e.code, e.read().decode("utf-8", "replace").strip()))
    except (urllib.error.URLError, OSError, ValueError) as e:
        print("pre-stop: adapter unreachable at %s, not waiting: %s" % (args.url, e))
    except Exception as e:  # never fail a pod's termination
        print("pre-stop: failed, not waiting: %r" % (e,))
    finally:
        signal.alarm(0)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "pre-stop":
        try:
            return pre_stop(argv[1:])
        except SystemExit as e:  # a usage error: say so, still exit 0
            print("pre-stop: bad arguments (exit %s), not waiting" % e.code)
            return 0
        except Exception as e:  # a bad --cacert, --token-file or QMA_PRESTOP_TIMEOUT: never fail termination
            print("pre-stop: failed, not waiting: %r" % (e,))
            return 0
    return probe(argv)


if __name__ == "__main__":
    sys.exit(main())
