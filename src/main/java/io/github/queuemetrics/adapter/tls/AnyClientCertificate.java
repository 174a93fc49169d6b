package io.github.queuemetrics.adapter.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Server-side trust for client certificates when no client CA is configured: accepts any
 * certificate, so a client that presents one (kube-apiserver presents its front-proxy certificate
 * to every aggregated server) is not cut off in the TLS handshake. With Vert.x' default trust
 * (the JDK's public CAs) such a client fails with {@code certificate_unknown}.
 *
 * <p>Safe only because nothing derives an identity from an unverified certificate: delegated
 * authentication ({@code auth.DelegatedAuthGuard}) verifies the chain in code against the CAs of
 * the trust ConfigMap, which change without a restart (a TLS-layer trust store would not).
 * An empty accepted-issuers list makes the server name no CAs, so clients send their certificate.
 */
final class AnyClientCertificate extends X509ExtendedTrustManager {

    static final AnyClientCertificate INSTANCE = new AnyClientCertificate();

    private AnyClientCertificate() {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("server-side trust manager; not for validating servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
