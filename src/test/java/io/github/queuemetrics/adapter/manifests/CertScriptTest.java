package io.github.queuemetrics.adapter.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** manifests/certs/make-certs.sh, run for real with openssl (no cluster, no kubectl). */
class CertScriptTest {

    static final Path SCRIPT = Kustomize.MANIFESTS.resolve("certs/make-certs.sh");

    @TempDir
    Path dir;

    /** The names kube-apiserver and pods use for a Service: name, name.ns, name.ns.svc, name.ns.svc.cluster.local. */
    static List<String> serviceDnsNames(String service, String ns) {
        return List.of(service, service + "." + ns, service + "." + ns + ".svc", service + "." + ns + ".svc.cluster.local");
    }

    @Test
    void theServingCertificateNamesTheServiceAndChainsToTheCa() throws Exception {
        run("--dir", dir.toString());
        X509Certificate ca = read(dir.resolve("ca.crt"));
        X509Certificate serving = read(dir.resolve("tls.crt"));
        Service service = Kustomize.render("certs").stream().filter(Service.class::isInstance).map(Service.class::cast)
                .findFirst().orElseThrow();
        assertThat(dnsNames(serving)).containsExactlyInAnyOrderElementsOf(
                serviceDnsNames(service.getMetadata().getName(), service.getMetadata().getNamespace()));
        serving.verify(ca.getPublicKey());
        serving.checkValidity();
        assertThat(serving.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(serving.getBasicConstraints()).isEqualTo(-1);
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(Files.getPosixFilePermissions(dir.resolve("tls.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aSecondRunRefusesWithoutForceAndARenewalKeepsTheCa() throws Exception {
        run("--dir", dir.toString());
        byte[] ca = Files.readAllBytes(dir.resolve("ca.crt"));
        byte[] first = Files.readAllBytes(dir.resolve("tls.crt"));
        assertThatThrownBy(() -> run("--dir", dir.toString())).hasMessageContaining("use --force");
        assertThat(Files.readAllBytes(dir.resolve("tls.crt"))).isEqualTo(first);
        run("--dir", dir.toString(), "--force", "--namespace", "other", "--days", "30");
        assertThat(Files.readAllBytes(dir.resolve("ca.crt"))).isEqualTo(ca);
        X509Certificate renewed = read(dir.resolve("tls.crt"));
        assertThat(renewed.getEncoded()).isNotEqualTo(read(dir.resolve("ca.crt")).getEncoded());
        renewed.verify(read(dir.resolve("ca.crt")).getPublicKey());
        assertThat(dnsNames(renewed)).contains("queue-metrics-adapter.other.svc");
        assertThatThrownBy(() -> run("--bogus")).hasMessageContaining("unknown argument '--bogus'");
    }

    @Test
    void theRenderedCaBundleVerifiesTheRenderedServingCertificate() throws Exception {
        List<HasMetadata> all = Kustomize.render("certs");
        Secret serving = all.stream().filter(Secret.class::isInstance).map(Secret.class::cast)
                .filter(s -> "kubernetes.io/tls".equals(s.getType())).findFirst().orElseThrow();
        APIService api = all.stream().filter(APIService.class::isInstance).map(APIService.class::cast).findFirst()
                .orElseThrow();
        X509Certificate ca = parse(InstallManifestsTest.decode(api.getSpec().getCaBundle()));
        X509Certificate cert = parse(InstallManifestsTest.decode(serving.getData().get("tls.crt")));
        cert.verify(ca.getPublicKey());
        // The files the script wrote are what the Secret and caBundle carry.
        assertThat(ca).isEqualTo(read(Kustomize.preparedManifests().resolve("certs/ca.crt")));
        assertThat(cert).isEqualTo(read(Kustomize.preparedManifests().resolve("certs/tls.crt")));
    }

    @Test
    void theAdapterServesTheCertificateAndAClientTrustingTheCaAcceptsItForTheServiceName() throws Exception {
        run("--dir", dir.toString());
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer server = SecureServer.start(vertx, Router.router(vertx), 0,
                    TlsOptions.fromFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"))).await(30, TimeUnit.SECONDS);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", read(dir.resolve("ca.crt")));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            // Connected to 127.0.0.1, verified as kube-apiserver verifies the APIService's host name.
            String host = "queue-metrics-adapter.queue-metrics.svc";
            try (Socket plain = new Socket("127.0.0.1", server.actualPort());
                 SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, server.actualPort(), true)) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                assertThat(((X509Certificate) tls.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                        .getName()).contains(host);
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    static void run(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Kustomize.run(command, Path.of(System.getProperty("java.io.tmpdir")));
    }

    static X509Certificate read(Path pem) throws Exception {
        return parse(Files.readAllBytes(pem));
    }

    static X509Certificate parse(byte[] pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    static List<String> dnsNames(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().filter(n -> (Integer) n.get(0) == 2)
                .map(n -> (String) n.get(1)).toList();
    }
}
