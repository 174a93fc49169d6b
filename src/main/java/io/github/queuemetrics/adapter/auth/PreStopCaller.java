package io.github.queuemetrics.adapter.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Who may call {@code /hooks/pre-stop/{namespace}/{pod}}: the pod itself, by its service-account
 * token (a bound token: its TokenReview names the pod in the extra
 * {@code authentication.kubernetes.io/pod-name}, and the user is a service account of that
 * namespace); anyone else needs the right to delete that pod (checked by SubjectAccessReview).
 */
final class PreStopCaller {

    static final String PREFIX = "/hooks/pre-stop/";
    static final String POD_NAME_EXTRA = "authentication.kubernetes.io/pod-name";

    record Target(String namespace, String pod) {
    }

    private PreStopCaller() {
    }

    static Optional<Target> target(String path) {
        if (!path.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = path.substring(PREFIX.length()).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Target(decode(parts[0]), decode(parts[1])));
    }

    static boolean isThePod(UserInfo user, Target target) {
        return user.name().startsWith("system:serviceaccount:" + target.namespace() + ":")
                && List.of(target.pod()).equals(user.extra().get(POD_NAME_EXTRA));
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
