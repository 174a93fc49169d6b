package io.github.queuemetrics.adapter.scaledown;

import java.util.ArrayList;
import java.util.List;

/** Which pods a scale-down removes. */
public final class Victims {

    private Victims() {
    }

    /**
     * The pods a StatefulSet removes going from {@code from} to {@code to} replicas: those with an
     * ordinal outside [start, start + to), highest first, as the StatefulSet controller deletes
     * them (pods are named {@code <name>-<ordinal>}; {@code spec.ordinals.start} shifts the range).
     * Empty unless {@code to < from}.
     */
    public static List<String> statefulSet(String name, int ordinalsStart, int from, int to) {
        List<String> pods = new ArrayList<>();
        for (int ordinal = ordinalsStart + from - 1; ordinal >= ordinalsStart + Math.max(to, 0); ordinal--) {
            pods.add(name + "-" + ordinal);
        }
        return pods;
    }

    /**
     * The ordinal of {@code pod} in StatefulSet {@code name}, or -1 when the pod is not named
     * {@code <name>-<ordinal>}.
     */
    public static int ordinal(String name, String pod) {
        if (!pod.startsWith(name + "-")) {
            return -1;
        }
        String digits = pod.substring(name.length() + 1);
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(digits);
    }
}
