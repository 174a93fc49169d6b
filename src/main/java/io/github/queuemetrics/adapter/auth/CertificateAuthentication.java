package io.github.queuemetrics.adapter.auth;

import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two certificate-based authenticators of Kubernetes' delegating chain, in its order:
 * <ol>
 *   <li>request headers ({@code X-Remote-User} ...), trusted only when the connection's client
 *       certificate chains to the request-header CA and its CN is an allowed name (any name when
 *       none are listed); otherwise the headers are ignored;</li>
 *   <li>a client certificate from the client CA: user = CN, groups = O.</li>
 * </ol>
 * A certificate that none of them trusts is a failure (401), as in Kubernetes, not anonymity.
 */
final class CertificateAuthentication {

    /** The outcome: a user, nothing (no certificate, or no user header), or a failure and why. */
    record Result(UserInfo user, String failure) {
        static final Result NONE = new Result(null, null);

        boolean failed() {
            return failure != null;
        }
    }

    private CertificateAuthentication() {
    }

    static Result authenticate(AuthSettings settings, List<X509Certificate> chain, MultiMap headers,
                               VerifiedChains verified) {
        if (chain.isEmpty()) {
            return Result.NONE;
        }
        List<String> failures = new ArrayList<>();
        if (settings.requestHeaderEnabled()) {
            VerifiedChains.Verdict proxy = verified.verify(chain, settings.requestHeaderCas());
            if (!proxy.chains()) {
                failures.add("the certificate does not chain to the request-header CA");
            } else if (!settings.allowedNames().isEmpty() && !settings.allowedNames().contains(proxy.commonName())) {
                failures.add("the certificate's CN " + proxy.commonName()
                        + " is not among the allowed request-header names");
            } else {
                UserInfo user = fromHeaders(settings, headers);
                if (user != null) {
                    return new Result(user, null);
                }
            }
        }
        if (!settings.clientCas().isEmpty()) {
            VerifiedChains.Verdict client = verified.verify(chain, settings.clientCas());
            if (client.chains()) {
                return new Result(new UserInfo(client.commonName(), "", ClientCertificates.organizations(chain.get(0)),
                        Map.of()), null);
            }
            failures.add("the certificate does not chain to the client CA");
        }
        return failures.isEmpty() ? Result.NONE : new Result(null, String.join("; ", failures));
    }

    /** Kubernetes' requestheader authenticator; null when no username header has a value. */
    private static UserInfo fromHeaders(AuthSettings settings, MultiMap headers) {
        String name = first(headers, settings.usernameHeaders());
        if (name == null) {
            return null;
        }
        String uid = first(headers, settings.uidHeaders());
        List<String> groups = new ArrayList<>();
        for (String header : settings.groupHeaders()) {
            groups.addAll(headers.getAll(header));
        }
        // Added here rather than by UserInfo.authenticated(), which then has nothing to copy (the
        // HPA's every request comes this way).
        if (!groups.contains(UserInfo.AUTHENTICATED)) {
            groups.add(UserInfo.AUTHENTICATED);
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        // forEach walks the headers without an entry object per header (the for-each iterator makes one).
        headers.forEach((header, value) -> {
            for (String prefix : settings.extraPrefixes()) {
                if (header.regionMatches(true, 0, prefix, 0, prefix.length())) {
                    // Lower-cased and %-unescaped, as client-go escapes the key (e.g. %2F for '/').
                    String key = unescape(header.substring(prefix.length()).toLowerCase(Locale.ROOT));
                    extra.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                }
            }
        });
        return new UserInfo(name, uid, groups, extra);
    }

    private static String first(MultiMap headers, List<String> names) {
        for (String n : names) {
            String v = headers.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private static String unescape(String key) {
        try {
            return URLDecoder.decode(key.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return key;
        }
    }
}
