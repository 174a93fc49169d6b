package io.github.queuemetrics.adapter.auth;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Client certificate checks done in code rather than in the TLS handshake: the secure port accepts
 * any certificate at the TLS layer (probes present none, and the CAs change with the ConfigMap
 * without a restart), so nothing may trust a certificate before {@link #chainsTo} said yes. As Go's
 * {@code x509.Verify} with {@code ExtKeyUsageClientAuth}: a valid path to one of the CAs, and a leaf
 * usable for client authentication.
 */
final class ClientCertificates {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private ClientCertificates() {
    }

    /** True when {@code chain} (leaf first, as the client sent it) is valid and ends at one of {@code cas}. */
    static boolean chainsTo(List<X509Certificate> chain, List<X509Certificate> cas) {
        if (chain.isEmpty() || cas.isEmpty() || !usableForClientAuth(chain.get(0))) {
            return false;
        }
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) {
                anchors.add(new TrustAnchor(ca, null));
            }
            // The path excludes the anchors themselves, which clients may send along.
            List<X509Certificate> path = new ArrayList<>();
            for (X509Certificate c : chain) {
                if (!cas.contains(c)) {
                    path.add(c);
                }
            }
            if (path.isEmpty()) {
                return false; // a CA certificate itself is no client certificate
            }
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false); // Kubernetes does not check revocation either
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean usableForClientAuth(X509Certificate leaf) {
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            return usages == null || usages.contains(CLIENT_AUTH) || usages.contains(ANY_USAGE);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The subject's CN (the user name), or "" without one. */
    static String commonName(X509Certificate cert) {
        List<String> cns = attribute(cert, "CN");
        return cns.isEmpty() ? "" : cns.get(0);
    }

    /** The subject's O values (the groups), in order. */
    static List<String> organizations(X509Certificate cert) {
        return attribute(cert, "O");
    }

    private static List<String> attribute(X509Certificate cert, String type) {
        try {
            List<String> values = new ArrayList<>();
            // LdapName lists RDNs in the certificate's order (the reverse of the string form), as Go reads them.
            List<Rdn> rdns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns();
            for (Rdn rdn : rdns) {
                if (rdn.getType().equalsIgnoreCase(type)) {
                    values.add(rdn.getValue().toString());
                }
            }
            return values;
        } catch (InvalidNameException e) {
            return List.of();
        }
    }
}
