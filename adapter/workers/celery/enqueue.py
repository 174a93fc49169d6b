"""Enqueue tasks.sleep with the real Celery client; prints one task id per line.

usage: enqueue.py --queue Q [--count N] [--seconds S] [--priority P] [--countdown C]
       enqueue.py --queue Q --durations 0.3,0.8,...   (one task per duration, in order)
"""
import argparse

from tasks import sleep

parser = argparse.ArgumentParser()
parser.add_argument("--queue", required=True)
parser.add_argument("--count", type=int, default=1)
parser.add_argument("--seconds", type=float, default=0.0)
parser.add_argument("--priority", type=int, default=None)
parser.add_argument("--countdown", type=float, default=None)
parser.add_argument("--durations", default=None)
args = parser.parse_args()

options = {"queue": args.queue}
if args.priority is not None:
    options["priority"] = args.priority
if args.countdown is not None:
    options["countdown"] = args.countdown
durations = [float(d) for d in args.durations.split(",")] if args.durations else [args.seconds] * args.count
for seconds in durations:
    print(sleep.apply_async(args=(seconds,), **options).id, flush=True)
