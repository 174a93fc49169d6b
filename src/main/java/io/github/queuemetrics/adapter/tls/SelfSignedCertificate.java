package io.github.queuemetrics.adapter.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A serving certificate generated at start when no {@code --tls-cert-file} is given: an EC P-256
 * key and a self-signed certificate for {@code localhost}, {@code 127.0.0.1} and any extra names
 * (e.g. {@code my-adapter.my-namespace.svc}), valid for one year. Good for an APIService with
 * {@code insecureSkipTLSVerify: true} or for local use; production should mount a real one.
 *
 * <p>The certificate's DER is written here (RFC 5280) and signed with the JDK's
 * {@link Signature}, so no certificate library is needed on the class path (see {@link Der}).
 *
 * @param certificatePem the certificate, PEM ("CERTIFICATE")
 * @param privateKeyPem  the private key, PEM PKCS#8 ("PRIVATE KEY")
 * @param certificate    the parsed certificate
 */
public record SelfSignedCertificate(String certificatePem, String privateKeyPem, X509Certificate certificate) {

    public static final Duration VALIDITY = Duration.ofDays(365);
    static final String COMMON_NAME = "queue-metrics-adapter";

    private static final String OID_COMMON_NAME = "2.5.4.3";
    private static final String OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
    /** KeyUsage with only digitalSignature (bit 0): one byte 0x80, its 7 unused low bits announced. */
    private static final byte[] DIGITAL_SIGNATURE = Der.element(Der.BIT_STRING, new byte[] {7, (byte) 0x80});
    /** GeneralName's context tags (implicit, primitive): dNSName [2] IA5String, iPAddress [7] OCTET STRING. */
    private static final int DNS_NAME = 0x82;
    private static final int IP_ADDRESS = 0x87;
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    /** Hex digits, colons and dots with a colon: InetAddress parses it as an IPv6 literal, never a host lookup. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    /** Generates a fresh key and certificate; extra names that are IP addresses become IP SANs. */
    public static SelfSignedCertificate generate(List<String> extraNames) {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair keys = generator.generateKeyPair();

            // Backdated a little so a client with a slightly slow clock accepts it right away;
            // whole seconds, as X.509 times have no fractions.
            Instant notBefore = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS);
            Instant notAfter = notBefore.plus(VALIDITY);
            byte[] name = Der.sequence(Der.constructed(Der.SET,
                    Der.sequence(Der.oid(OID_COMMON_NAME), Der.utf8String(COMMON_NAME))));
            byte[] signatureAlgorithm = Der.sequence(Der.oid(OID_ECDSA_WITH_SHA256)); // no parameters (RFC 5758)
            byte[] publicKeyInfo = keys.getPublic().getEncoded(); // SubjectPublicKeyInfo, named curve
            byte[] extensions = Der.sequence(
                    extension(OID_BASIC_CONSTRAINTS, true, Der.sequence()), // cA FALSE, the default, left out
                    extension(OID_KEY_USAGE, true, DIGITAL_SIGNATURE),
                    extension(OID_EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(OID_SERVER_AUTH))),
                    extension(OID_SUBJECT_ALT_NAME, false, subjectAlternativeNames(extraNames)),
                    extension(OID_SUBJECT_KEY_IDENTIFIER, false, Der.octetString(keyIdentifier(publicKeyInfo))));
            byte[] tbsCertificate = Der.sequence(
                    Der.explicit(0, Der.integer(2)), // v3
                    Der.integer(new BigInteger(64, random).add(BigInteger.ONE)), // positive, at most 8 bytes
                    signatureAlgorithm,
                    name, // issuer
                    Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                    name, // subject
                    publicKeyInfo,
                    Der.explicit(3, extensions));

            Signature signer = Signature.getInstance("SHA256withECDSA"); // DER Ecdsa-Sig-Value, as X.509 wants
            signer.initSign(keys.getPrivate());
            signer.update(tbsCertificate);
            byte[] der = Der.sequence(tbsCertificate, signatureAlgorithm, Der.bitString(signer.sign()));

            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return new SelfSignedCertificate(pem("CERTIFICATE", der),
                    pem("PRIVATE KEY", keys.getPrivate().getEncoded()), certificate);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed serving certificate: " + e.getMessage(), e);
        }
    }

    /** Key and certificate for a Vert.x TLS server. */
    public PemKeyCertOptions keyCertOptions() {
        return new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(certificatePem))
                .addKeyValue(Buffer.buffer(privateKeyPem));
    }

    /** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value)); // DER leaves a default value out
    }

    private static byte[] subjectAlternativeNames(List<String> extraNames) throws UnknownHostException {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        names.addAll(extraNames);
        ByteArrayOutputStream general = new ByteArrayOutputStream();
        for (String name : names) {
            byte[] ip = ipAddress(name);
            if (ip != null) {
                general.writeBytes(Der.element(IP_ADDRESS, ip));
            } else if (StandardCharsets.US_ASCII.newEncoder().canEncode(name)) {
                general.writeBytes(Der.element(DNS_NAME, name.getBytes(StandardCharsets.US_ASCII)));
            } else {
                throw new IllegalArgumentException("not an IP address or an ASCII DNS name: " + name);
            }
        }
        return Der.element(Der.SEQUENCE, general.toByteArray());
    }

    /** The address bytes of an IPv4 or IPv6 literal; null for anything else (a DNS name). */
    static byte[] ipAddress(String name) throws UnknownHostException {
        if (IPV4.matcher(name).matches() || (name.indexOf(':') >= 0 && IPV6.matcher(name).matches())) {
            return InetAddress.getByName(name).getAddress();
        }
        return null;
    }

    /** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the BIT STRING's value). */
    private static byte[] keyIdentifier(byte[] publicKeyInfo) throws IOException, GeneralSecurityException {
        byte[] bits = Der.parse(publicKeyInfo).children().get(1).expect(Der.BIT_STRING, "subjectPublicKey").contents();
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(bits, 1, bits.length - 1); // after the unused-bits byte
        return sha1.digest();
    }

    /** PEM as openssl writes it: 64 base64 characters a line. */
    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
