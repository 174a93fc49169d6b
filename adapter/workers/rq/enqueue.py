"""Enqueue tasks.sleep with the real RQ client; prints one job id per line.

usage: enqueue.py --redis redis://localhost:6379/1 --queue Q [--count N] [--seconds S]
       enqueue.py --redis ... --queue Q --durations 0.3,0.8,...   (one job per duration, in order)
"""
import argparse

from redis import Redis
from rq import Queue

import tasks

parser = argparse.ArgumentParser()
parser.add_argument("--redis", required=True)
parser.add_argument("--queue", required=True)
parser.add_argument("--count", type=int, default=1)
parser.add_argument("--seconds", type=float, default=0.0)
parser.add_argument("--durations", default=None)
args = parser.parse_args()

queue = Queue(args.queue, connection=Redis.from_url(args.redis))
durations = [float(d) for d in args.durations.split(",")] if args.durations else [args.seconds] * args.count
for seconds in durations:
    print(queue.enqueue(tasks.sleep, seconds).id, flush=True)
