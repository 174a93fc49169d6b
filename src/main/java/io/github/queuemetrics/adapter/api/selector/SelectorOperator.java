package io.github.queuemetrics.adapter.api.selector;

/** The operators of a Kubernetes label requirement ({@code k8s.io/apimachinery/pkg/selection}). */
enum SelectorOperator {
    IN("in"),
    NOT_IN("notin"),
    EQUALS("="),
    DOUBLE_EQUALS("=="),
    NOT_EQUALS("!="),
    GREATER_THAN("gt"),
    LESS_THAN("lt"),
    EXISTS("exists"),
    DOES_NOT_EXIST("!");

    /** The binary operators in the order Kubernetes lists them in "expected: ..." messages. */
    static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

    private final String display;

    SelectorOperator(String display) {
        this.display = display;
    }

    String display() {
        return display;
    }
}
