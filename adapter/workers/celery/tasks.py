"""A small Celery worker app used by the examples and the integration tests.

Configured from the environment so one file serves both brokers and both ack modes:
  CELERY_BROKER_URL          amqp://guest:guest@localhost:5672//  or  redis://localhost:6379/0
  CELERY_ACKS_LATE           1 to acknowledge after the task ran (default: early ack, Celery's default)
  CELERY_PREFETCH_MULTIPLIER worker_prefetch_multiplier (default 1)
  CELERY_TASK_EVENTS         1 to send task events (like `celery worker -E`)
  CELERY_REMOTE_CONTROL      0 to disable remote control (worker_enable_remote_control = False):
                             the worker then answers no broadcast
  CELERY_TRANSPORT_OPTIONS   JSON object for broker_transport_options, e.g.
                             {"global_keyprefix": "app1:", "sep": ":", "priority_steps": [0, 5]}
  TASK_LOG                   a file: tasks.sleep appends "start <id> <worker> <unix time>" before it
                             sleeps and "finish <id> <worker> <unix time>" after, so a test can tell
                             a task that was interrupted (started, never finished) from one that ran
                             twice, and when it ran
"""
import json
import os
import time

from celery import Celery

app = Celery("tasks", broker=os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672//"))
app.conf.update(
    task_acks_late=os.environ.get("CELERY_ACKS_LATE") == "1",
    worker_prefetch_multiplier=int(os.environ.get("CELERY_PREFETCH_MULTIPLIER", "1")),
    worker_send_task_events=os.environ.get("CELERY_TASK_EVENTS") == "1",
    task_default_queue="celery",
    task_ignore_result=True,
    result_backend=None,
    broker_connection_retry_on_startup=True,
    worker_enable_remote_control=os.environ.get("CELERY_REMOTE_CONTROL", "1") != "0",
)
if os.environ.get("CELERY_TRANSPORT_OPTIONS"):
    app.conf.broker_transport_options = json.loads(os.environ["CELERY_TRANSPORT_OPTIONS"])


def _record(event, request):
    path = os.environ.get("TASK_LOG")
    if path:
        # One short write in append mode: lines of concurrent workers do not interleave.
        with open(path, "a") as log:
            log.write("%s %s %s %.3f\n" % (event, request.id, request.hostname, time.time()))


@app.task(name="tasks.sleep", bind=True)
def sleep(self, seconds):
    """Holds a worker slot for `seconds`: the shape of a network-bound task."""
    _record("start", self.request)
    time.sleep(float(seconds))
    _record("finish", self.request)
    return seconds
