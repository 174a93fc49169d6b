package io.github.queuemetrics.adapter.tls;

import io.vertx.core.net.TrustOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How the secure port gets its certificate: PEM files ({@code --tls-cert-file},
 * {@code --tls-private-key-file}) or, without them, a self-signed certificate generated at start.
 *
 * @param certFile        PEM certificate (chain), or null for a self-signed one
 * @param keyFile         PEM private key, or null for a self-signed one
 * @param extraDnsNames   names added to a self-signed certificate besides localhost and 127.0.0.1
 * @param clientTrust     CAs whose client certificates the TLS layer accepts (the front proxy's and
 *                        the cluster's, for delegated authentication); null accepts any client
 *                        certificate at the TLS layer (and nothing may trust it for identity)
 */
public record TlsOptions(Path certFile, Path keyFile, List<String> extraDnsNames, TrustOptions clientTrust) {

    public TlsOptions {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file must be given together");
        }
        extraDnsNames = extraDnsNames == null ? List.of() : List.copyOf(extraDnsNames);
    }

    /** A certificate generated at start, valid for localhost, 127.0.0.1 and {@code extraDnsNames}. */
    public static TlsOptions selfSigned(List<String> extraDnsNames) {
        return new TlsOptions(null, null, extraDnsNames, null);
    }

    /** The serving certificate and key from PEM files. */
    public static TlsOptions fromFiles(Path certFile, Path keyFile) {
        return new TlsOptions(Objects.requireNonNull(certFile, "certFile"), Objects.requireNonNull(keyFile, "keyFile"),
                List.of(), null);
    }

    /** A copy that accepts client certificates signed by {@code trust} (for delegated authentication). */
    public TlsOptions withClientTrust(TrustOptions trust) {
        return new TlsOptions(certFile, keyFile, extraDnsNames, trust);
    }

    public boolean generatesCertificate() {
        return certFile == null;
    }
}
