package io.github.queuemetrics.adapter.poll;

import io.github.queuemetrics.adapter.model.SourceSnapshot;

/** Told about every poll; the adapter's own Prometheus metrics implement it. */
public interface PollListener {

    void pollSucceeded(String source, long nanos, SourceSnapshot snapshot);

    void pollFailed(String source, long nanos);

    PollListener NONE = new PollListener() {
        @Override
        public void pollSucceeded(String source, long nanos, SourceSnapshot snapshot) {
        }

        @Override
        public void pollFailed(String source, long nanos) {
        }
    };
}
