package io.github.queuemetrics.adapter.api.selector;

/**
 * A {@code labelSelector} that Kubernetes' {@code labels.Parse} would reject. The message follows
 * Kubernetes' wording ("unable to parse requirement: ...") because it ends up in HPA events.
 */
public final class LabelSelectorSyntaxException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public LabelSelectorSyntaxException(String message) {
        super(message);
    }
}
