package io.github.queuemetrics.adapter.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The one TLS client setup of every broker connection: {@code amqps://} (amqp-client),
 * {@code rediss://} (jedis) and an {@code https://} management API (the JDK HttpClient). Each
 * verifies the certificate chain against the trusted CAs and the host name against the
 * certificate; nothing trusts everything.
 *
 * <p>The trusted CAs are the JVM's default trust store, or with a source's {@code tls.caFile} only
 * the CA certificates of that PEM file (a private CA is usually the only one that signs a
 * broker's certificate, and the public CAs then have no business vouching for it).
 */
public final class BrokerTls {

    private static final BrokerTls JVM_DEFAULT = new BrokerTls(null, null);

    private final SSLContext context;
    private final Path caFile;

    private BrokerTls(SSLContext context, Path caFile) {
        this.context = context;
        this.caFile = caFile;
    }

    /** Trusts what the JVM trusts ({@code cacerts}, or {@code -Djavax.net.ssl.trustStore}). */
    public static BrokerTls jvmDefault() {
        return JVM_DEFAULT;
    }

    /** Trusts the CA certificates of {@code caFile}, or the JVM's defaults when it is null. */
    public static BrokerTls of(Path caFile) {
        if (caFile == null) {
            return JVM_DEFAULT;
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate ca : readCaFile(caFile)) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return new BrokerTls(context, caFile);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS with the CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The certificates of a PEM file, for the configuration check and {@link #of}.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    public static List<X509Certificate> readCaFile(Path caFile) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(caFile);
        } catch (NoSuchFileException e) {
            throw new IOException(caFile + ": no such file", e);
        } catch (IOException e) {
            throw new IOException(caFile + ": cannot read it (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        if (!new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new IOException(caFile + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IOException(caFile + ": not a valid PEM certificate (" + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(caFile + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The context every client uses: the CA file's trust, or the JVM's default context. */
    public SSLContext sslContext() {
        if (context != null) {
            return context;
        }
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no default TLS context: " + e.getMessage(), e);
        }
    }

    public SSLSocketFactory socketFactory() {
        return sslContext().getSocketFactory();
    }

    /**
     * Parameters that make the TLS handshake itself check the host name (the {@code HTTPS}
     * endpoint identification: subject alternative names, then the common name), for clients
     * that take a socket factory. A fresh copy each time: clients may modify it.
     */
    public SSLParameters hostnameVerifyingParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /** "the JVM's default trust store" or "the CAs of /etc/ca.pem", for logs and --check-config. */
    public String describe() {
        return caFile == null ? "the JVM's default trust store" : "the CAs of " + caFile;
    }

    @Override
    public String toString() {
        return "BrokerTls[" + describe() + "]";
    }
}
