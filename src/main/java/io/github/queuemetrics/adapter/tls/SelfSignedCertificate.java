package io.github.queuemetrics.adapter.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A serving certificate generated at start when no {@code --tls-cert-file} is given: an EC P-256
 * key and a self-signed certificate for {@code localhost}, {@code 127.0.0.1} and any extra names
 * (e.g. {@code my-adapter.my-namespace.svc}), valid for one year. Good for an APIService with
 * {@code insecureSkipTLSVerify: true} or for local use; production should mount a real one.
 *
 * @param certificatePem the certificate, PEM ("CERTIFICATE")
 * @param privateKeyPem  the private key, PEM PKCS#8 ("PRIVATE KEY")
 * @param certificate    the parsed certificate
 */
public record SelfSignedCertificate(String certificatePem, String privateKeyPem, X509Certificate certificate) {

    public static final Duration VALIDITY = Duration.ofDays(365);
    static final String SUBJECT = "CN=queue-metrics-adapter";

    /** Generates a fresh key and certificate; extra names that are IP addresses become IP SANs. */
    public static SelfSignedCertificate generate(List<String> extraNames) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keys = generator.generateKeyPair();

            // Backdated a little so a client with a slightly slow clock accepts it right away.
            Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
            Instant notAfter = notBefore.plus(VALIDITY);
            X500Name subject = new X500Name(SUBJECT);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).add(BigInteger.ONE), Date.from(notBefore),
                    Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(extraNames));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));

            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new SelfSignedCertificate(pem(certificate),
                    pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())), certificate);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed serving certificate: " + e.getMessage(), e);
        }
    }

    /** Key and certificate for a Vert.x TLS server. */
    public PemKeyCertOptions keyCertOptions() {
        return new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(certificatePem))
                .addKeyValue(Buffer.buffer(privateKeyPem));
    }

    private static GeneralNames subjectAlternativeNames(List<String> extraNames) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        names.addAll(extraNames);
        List<GeneralName> general = new ArrayList<>();
        for (String name : names) {
            boolean ip = IPAddress.isValid(name);
            general.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        return new GeneralNames(general.toArray(GeneralName[]::new));
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
