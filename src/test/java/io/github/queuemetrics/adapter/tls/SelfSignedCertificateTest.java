package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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

    @Test
    void everyCallGeneratesAFreshKey() {
        assertThat(SelfSignedCertificate.generate(List.of()).privateKeyPem())
                .isNotEqualTo(SelfSignedCertificate.generate(List.of()).privateKeyPem());
    }
}
