package io.github.queuemetrics.adapter.auth;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@link ClientCertificates#chainsTo} remembered for {@link #TTL}: the front proxy sends the same
 * certificate with every request, and a signature check per request would cost the warm path more
 * than everything else the guard does. Keyed by the CA list's identity: a changed ConfigMap makes
 * new lists, so its answers are never taken for the old ones' (and those expire).
 */
final class VerifiedChains {

    static final Duration TTL = Duration.ofSeconds(10);

    private record Key(IdentityOf cas, List<X509Certificate> chain) {
    }

    /** Equal only to itself: the CA list as one particular ConfigMap version made it. */
    private record IdentityOf(List<X509Certificate> list) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IdentityOf other && other.list == list;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(list);
        }
    }

    private final ExpiringCache<Key, Boolean> cache;

    VerifiedChains(LongSupplier nanoTime) {
        this.cache = new ExpiringCache<>(nanoTime);
    }

    boolean chainsTo(List<X509Certificate> chain, List<X509Certificate> cas) {
        Key key = new Key(new IdentityOf(cas), chain);
        Boolean known = cache.get(key);
        if (known != null) {
            return known;
        }
        boolean verified = ClientCertificates.chainsTo(chain, cas);
        cache.put(key, verified, TTL);
        return verified;
    }
}
