package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    @Test
    void certificateCoversLocalhostAndExtraNamesForOneYear() throws Exception {
        SelfSignedCertificate generated = SelfSignedCertificate.generate(
                List.of("qma.workers.svc", "qma.workers.svc.cluster.local", "10.0.0.7"));

        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(generated.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        assertThat(cert).isEqualTo(generated.certificate());
        cert.checkValidity();
        cert.verify(cert.getPublicKey()); // self-signed

        List<String> sans = cert.getSubjectAlternativeNames().stream()
                .map(san -> san.get(0) + ":" + san.get(1)).collect(Collectors.toList());
        // type 2 = dNSName, 7 = iPAddress
        assertThat(sans).containsExactlyInAnyOrder("2:localhost", "7:127.0.0.1", "2:qma.workers.svc",
                "2:qma.workers.svc.cluster.local", "7:10.0.0.7");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(cert.getBasicConstraints()).isEqualTo(-1); // not a CA
        Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(SelfSignedCertificate.VALIDITY);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=queue-metrics-adapter");
    }

    @Test
    void privateKeyPemMatchesTheCertificate() throws Exception {
        SelfSignedCertificate generated = SelfSignedCertificate.generate(List.of());
        assertThat(generated.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        String base64 = generated.privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));

        byte[] data = "probe".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(generated.certificate().getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(signature)).isTrue();
    }

    /** openssl reads the hand-made DER as well as the JDK does, with every extension where it belongs. */
    @Test
    void opensslReadsTheCertificateAndItsExtensions(@TempDir Path dir) throws Exception {
        SelfSignedCertificate generated = SelfSignedCertificate.generate(List.of("qma.workers.svc", "fd00::7"));
        Files.writeString(dir.resolve("tls.crt"), generated.certificatePem());
        Files.writeString(dir.resolve("tls.key"), generated.privateKeyPem());

        String text = openssl(dir, "x509", "-in", "tls.crt", "-noout", "-text");
        assertThat(text).contains("Version: 3 (0x2)", "Signature Algorithm: ecdsa-with-SHA256",
                "Issuer: CN = queue-metrics-adapter", "Subject: CN = queue-metrics-adapter", "ASN1 OID: prime256v1",
                "X509v3 Basic Constraints: critical", "CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
                "TLS Web Server Authentication", "X509v3 Subject Key Identifier",
                "DNS:localhost, IP Address:127.0.0.1, DNS:qma.workers.svc, IP Address:FD00:0:0:0:0:0:0:7");
        // valid now and for the next 364 days, not after the 366th
        openssl(dir, "x509", "-in", "tls.crt", "-noout", "-checkend", String.valueOf(364L * 86400));
        assertThat(exitCode(dir, "x509", "-in", "tls.crt", "-noout", "-checkend", String.valueOf(366L * 86400)))
                .isEqualTo(1);
        // the key file is the certificate's key
        assertThat(openssl(dir, "pkey", "-in", "tls.key", "-pubout"))
                .isEqualTo(openssl(dir, "x509", "-in", "tls.crt", "-noout", "-pubkey"));
        // and the signature is the key's: the certificate verifies against itself as the trust anchor
        assertThat(openssl(dir, "verify", "-partial_chain", "-CAfile", "tls.crt", "tls.crt")).contains("tls.crt: OK");
    }

    @Test
    void onlyIpLiteralsBecomeIpAddresses() throws Exception {
        assertThat(SelfSignedCertificate.ipAddress("10.0.0.7")).containsExactly(10, 0, 0, 7);
        assertThat(SelfSignedCertificate.ipAddress("::1")).hasSize(16);
        assertThat(SelfSignedCertificate.ipAddress("fd00::7")).hasSize(16);
        // names, never looked up: a dotted name with digits, a name starting with hex digits, a bad octet
        assertThat(SelfSignedCertificate.ipAddress("10.0.0.7.nip.io")).isNull();
        assertThat(SelfSignedCertificate.ipAddress("cafe.example")).isNull();
        assertThat(SelfSignedCertificate.ipAddress("10.0.0.256")).isNull();
        assertThat(SelfSignedCertificate.ipAddress("qma.workers.svc")).isNull();
    }

    private static String openssl(Path dir, String... args) throws Exception {
        Process p = start(dir, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    private static int exitCode(Path dir, String... args) throws Exception {
        Process p = start(dir, args);
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private static Process start(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    @Test
    void everyCallGeneratesAFreshKey() {
        assertThat(SelfSignedCertificate.generate(List.of()).privateKeyPem())
                .isNotEqualTo(SelfSignedCertificate.generate(List.of()).privateKeyPem());
    }
}
