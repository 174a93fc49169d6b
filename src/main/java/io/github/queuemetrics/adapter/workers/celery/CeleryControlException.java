package io.github.queuemetrics.adapter.workers.celery;

/**
 * A remote control call that could not be made: the broker is unreachable or answered with an
 * error. Never thrown for "no worker answered" (that is an empty map). Messages carry no passwords.
 */
public class CeleryControlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CeleryControlException(String message, Throwable cause) {
        super(message, cause);
    }

    public CeleryControlException(String message) {
        super(message);
    }
}
