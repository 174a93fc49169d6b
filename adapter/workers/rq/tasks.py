"""A small RQ job module used by the examples and the integration tests."""
import time


def sleep(seconds):
    """Holds the worker for `seconds`: the shape of a network-bound job."""
    time.sleep(float(seconds))
    return seconds
