package io.github.queuemetrics.adapter.model;

import java.util.Map;

/**
 * A parsed Kubernetes label selector ({@code labels.Parse} grammar: {@code =}, {@code ==},
 * {@code !=}, {@code in (..)}, {@code notin (..)}, {@code key}, {@code !key}, comma-joined).
 * An absent or empty selector matches everything.
 */
public interface LabelSelector {

    /** True when every requirement holds for {@code labels}. */
    boolean matches(Map<String, String> labels);

    /**
     * True unless a requirement on {@code key} rules out {@code value}. Used to decide whether a
     * source whose queues are not known yet could be meant by a request (requirements on other
     * keys are ignored: they might hold).
     */
    boolean admits(String key, String value);
}
