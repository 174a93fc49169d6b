package io.github.queuemetrics.adapter.cli;

/** The command line is wrong: Main prints the message (and a hint to use --help) and exits with 2. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message, null, false, false);
    }
}
