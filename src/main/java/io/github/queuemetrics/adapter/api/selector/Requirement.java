package io.github.queuemetrics.adapter.api.selector;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One requirement of a label selector, with Kubernetes' matching rules ({@code labels.Requirement}):
 * {@code in}/{@code =}/{@code ==} need the label present with one of the values; {@code notin} and
 * {@code !=} also match when the label is absent; {@code gt}/{@code lt} compare integers and fail
 * on an absent or non-integer label.
 *
 * @param values sorted and without duplicates (Kubernetes keeps them in a set)
 */
record Requirement(String key, SelectorOperator operator, List<String> values) {

    Requirement {
        values = List.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
        // One lookup on the hot path (every sample of every metric request); containsKey only
        // for the (never seen) null value.
        String actual = labels.get(key);
        boolean present = actual != null || labels.containsKey(key);
        return switch (operator) {
            case IN, EQUALS, DOUBLE_EQUALS -> present && contains(actual);
            case NOT_IN, NOT_EQUALS -> !present || !contains(actual);
            case EXISTS -> present;
            case DOES_NOT_EXIST -> !present;
            case GREATER_THAN, LESS_THAN -> present && compares(actual);
        };
    }

    /** Binary search: values are sorted, and a set may hold thousands, checked against every item. */
    private boolean contains(String actual) {
        return actual != null && Collections.binarySearch(values, actual) >= 0;
    }

    private boolean compares(String actual) {
        long labelValue;
        try {
            labelValue = Long.parseLong(actual);
        } catch (NumberFormatException e) {
            return false;
        }
        // The parser has checked that the single value is an integer.
        long bound = Long.parseLong(values.get(0));
        return operator == SelectorOperator.GREATER_THAN ? labelValue > bound : labelValue < bound;
    }

    /** The canonical form Kubernetes prints ({@code Requirement.String}). */
    @Override
    public String toString() {
        return switch (operator) {
            case EXISTS -> key;
            case DOES_NOT_EXIST -> "!" + key;
            case IN -> key + " in (" + String.join(",", values) + ")";
            case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
            case GREATER_THAN -> key + ">" + values.get(0);
            case LESS_THAN -> key + "<" + values.get(0);
            default -> key + operator.display() + values.get(0);
        };
    }
}
