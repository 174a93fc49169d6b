package io.github.queuemetrics.adapter.auth;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@link ClientCertificates#chainsTo} remembered for {@link #TTL}, with the leaf's CN: the front
 * proxy sends the same certificate with every request, and a signature check per request would cost
 * the warm path more than everything else the guard does (and parsing the subject for the CN, which
 * the allowed-names check needs, was a quarter of what remained: auth bench). Keyed by the CA list's
 * identity: a changed ConfigMap makes new lists, so its answers are never taken for the old ones'
 * (and those expire).
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

    /** Whether the chain ends at one of the CAs, and its leaf's CN (the user or the proxy's name). */
    record Verdict(boolean chains, String commonName) {
    }

    private final ExpiringCache<Key, Verdict> cache;

    VerifiedChains(LongSupplier nanoTime) {
        this.cache = new ExpiringCache<>(nanoTime);
    }

    Verdict verify(List<X509Certificate> chain, List<X509Certificate> cas) {
        Key key = new Key(new IdentityOf(cas), chain);
        Verdict known = cache.get(key);
        if (known != null) {
            return known;
        }
        Verdict verdict = new Verdict(ClientCertificates.chainsTo(chain, cas), ClientCertificates.commonName(chain.get(0)));
        cache.put(key, verdict, TTL);
        return verdict;
    }
}
