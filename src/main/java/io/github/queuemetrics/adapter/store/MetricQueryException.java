package io.github.queuemetrics.adapter.store;

/** Why a metric request cannot be answered; the API maps the kind to a Status code. */
public final class MetricQueryException extends Exception {

    private static final long serialVersionUID = 1L;

    /** NOT_FOUND becomes 404, UNAVAILABLE 503. */
    public enum Kind { NOT_FOUND, UNAVAILABLE }

    private final Kind kind;

    public MetricQueryException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
