"""A small RQ job module used by the examples and the integration tests.

TASK_LOG (environment of the worker): a file to which sleep appends "start <job id> <worker> <unix
time>" before it sleeps and "finish ..." after, as the Celery tasks.py does.
"""
import os
import time

from rq import get_current_job


def _record(event):
    path = os.environ.get("TASK_LOG")
    job = get_current_job()
    if path and job is not None:
        # One short write in append mode: lines of concurrent workers do not interleave.
        with open(path, "a") as log:
            log.write("%s %s %s %.3f\n" % (event, job.id, job.worker_name, time.time()))


def sleep(seconds):
    """Holds the worker for `seconds`: the shape of a network-bound job."""
    _record("start")
    time.sleep(float(seconds))
    _record("finish")
    return seconds
