package io.github.queuemetrics.adapter.api;

import java.util.List;

/**
 * The answer of {@code /readyz} or {@code /livez}: pass or fail, and a text/plain body with one line
 * per source, then the verdict, in the style of the Kubernetes apiserver's verbose health output.
 */
public record HealthReport(boolean passed, String body) {

    static HealthReport of(String check, boolean passed, List<String> lines) {
        StringBuilder sb = new StringBuilder();
        lines.forEach(line -> sb.append(line).append('\n'));
        sb.append(check).append(passed ? " check passed" : " check failed");
        return new HealthReport(passed, sb.toString());
    }

    /** 200 or 503. */
    public int httpStatus() {
        return passed ? 200 : 503;
    }
}
