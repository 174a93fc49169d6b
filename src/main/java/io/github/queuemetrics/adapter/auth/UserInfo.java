package io.github.queuemetrics.adapter.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who is asking, as Kubernetes' {@code user.Info}: name, uid, groups and extra, sent as they are in
 * every SubjectAccessReview.
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {

    public static final String ANONYMOUS = "system:anonymous";
    public static final String UNAUTHENTICATED = "system:unauthenticated";
    public static final String AUTHENTICATED = "system:authenticated";
    public static final String MASTERS = "system:masters";

    public UserInfo {
        uid = uid == null ? "" : uid;
        groups = groups == null ? List.of() : List.copyOf(groups);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** No credential at all. */
    public static UserInfo anonymous() {
        return new UserInfo(ANONYMOUS, "", List.of(UNAUTHENTICATED), Map.of());
    }

    /**
     * Adds {@code system:authenticated} (Kubernetes' AuthenticatedGroupAdder): the aggregator's
     * discovery calls come as {@code system:kube-aggregator} with no groups, and
     * {@code system:discovery} is bound to that group.
     */
    UserInfo authenticated() {
        if (groups.contains(AUTHENTICATED)) {
            return this;
        }
        List<String> all = new ArrayList<>(groups);
        all.add(AUTHENTICATED);
        return new UserInfo(name, uid, all, extra);
    }

    public boolean isMaster() {
        return groups.contains(MASTERS);
    }
}
