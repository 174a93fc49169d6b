package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.bouncycastle.util.io.pem.PemObject;

/** Certificate authorities and the server certificates they sign, made with BouncyCastle for TLS tests. */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** A CA: its key and self-signed certificate. */
    public record Authority(KeyPair keys, X509Certificate certificate) {

        /** The CA certificate as a PEM file in {@code dir}. */
        public Path writePem(Path dir, String name) throws IOException {
            Path file = dir.resolve(name);
            Files.writeString(file, pem(certificate));
            return file;
        }

        /** A server certificate signed by this CA, for {@code names} (DNS names or IP addresses). */
        public Server issue(String... names) {
            try {
                KeyPair serverKeys = ecKeys();
                X509v3CertificateBuilder b = builder(X500Name.getInstance(
                        certificate.getSubjectX500Principal().getEncoded()), new X500Name("CN=" + names[0]),
                        serverKeys);
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                List<GeneralName> san = new ArrayList<>();
                for (String n : names) {
                    san.add(new GeneralName(IPAddress.isValid(n) ? GeneralName.iPAddress : GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san.toArray(GeneralName[]::new)));
                X509Certificate cert = sign(b, keys);
                return new Server(serverKeys, cert, certificate);
            } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A client certificate with EKU clientAuth: subject CN={@code cn}, one O per group (Kubernetes' user and groups). */
    public static Server client(Authority ca, String cn, String... organizations) {
        try {
            KeyPair clientKeys = ecKeys();
            StringBuilder subject = new StringBuilder();
            for (String o : organizations) {
                subject.append("O=").append(o).append(',');
            }
            subject.append("CN=").append(cn);
            X509v3CertificateBuilder b = builder(X500Name.getInstance(
                    ca.certificate().getSubjectX500Principal().getEncoded()), new X500Name(subject.toString()), clientKeys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return new Server(clientKeys, sign(b, ca.keys()), ca.certificate());
        } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA certificate as PEM text (what a ConfigMap holds). */
    public static String pemOf(X509Certificate certificate) {
        return pem(certificate);
    }

    /** A server's key and certificate, and the CA that signed it. */
    public record Server(KeyPair keys, X509Certificate certificate, X509Certificate issuer) {

        /** A server-side TLS context presenting this certificate (with its issuer in the chain). */
        public SSLContext serverContext() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", keys.getPrivate(), new char[0],
                        new X509Certificate[] {certificate, issuer});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, new char[0]);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), null, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * A client-side TLS context presenting this certificate (a client certificate) and trusting
         * any server: the tests are about what the server makes of the client.
         */
        public SSLContext clientContext() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", keys.getPrivate(), new char[0], new X509Certificate[] {certificate, issuer});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, new char[0]);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {TRUST_ANY_SERVER}, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes the certificate (chain) and the PKCS#8 key as PEM files. */
        public void writePem(Path certFile, Path keyFile) throws IOException {
            Files.writeString(certFile, pem(certificate) + pem(issuer));
            Files.writeString(keyFile, pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())));
        }
    }

    /** For clients of a test server with a self-signed certificate. */
    public static final javax.net.ssl.X509TrustManager TRUST_ANY_SERVER = new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    /** A client-side TLS context without a client certificate, trusting any server. */
    public static SSLContext anonymousClientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {TRUST_ANY_SERVER}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new CA named {@code cn}. */
    public static Authority authority(String cn) {
        try {
            KeyPair keys = ecKeys();
            X500Name name = new X500Name("CN=" + cn);
            X509v3CertificateBuilder b = builder(name, name, keys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Authority(keys, sign(b, keys));
        } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now().minus(Duration.ofMinutes(5));
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now), Date.from(now.plus(Duration.ofDays(2))), subject, subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
