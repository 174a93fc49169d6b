package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.Socket;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The TLS layer on its own: certificate source, ALPN and optional client certificates. */
@ExtendWith(VertxExtension.class)
class SecureServerTest {

    @Test
    void servesTheCertificateFromPemFilesAndNegotiatesHttp2(Vertx vertx, @TempDir Path dir) throws Exception {
        SelfSignedCertificate files = SelfSignedCertificate.generate(List.of("adapter.example"));
        Path cert = Files.writeString(dir.resolve("tls.crt"), files.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), files.privateKeyPem());
        HttpServer server = await(SecureServer.start(vertx, Router.router(vertx), 0, TlsOptions.fromFiles(cert, key)));
        try {
            try (SSLSocket socket = connect(server.actualPort(), "h2", null)) {
                assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
                assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(files.certificate());
            }
            try (SSLSocket socket = connect(server.actualPort(), "http/1.1", null)) {
                assertThat(socket.getApplicationProtocol()).isEqualTo("http/1.1");
            }
        } finally {
            await(server.close());
        }
    }

    @Test
    void generatesACertificateForTheExtraNamesWithoutFiles(Vertx vertx) throws Exception {
        HttpServer server = await(SecureServer.start(vertx, Router.router(vertx), 0,
                TlsOptions.selfSigned(List.of("qma.workers.svc"))));
        try (SSLSocket socket = connect(server.actualPort(), "h2", null)) {
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            List<Object> names = served.getSubjectAlternativeNames().stream().map(san -> san.get(1))
                    .collect(java.util.stream.Collectors.toList());
            assertThat(names).contains("localhost", "127.0.0.1", "qma.workers.svc");
        } finally {
            await(server.close());
        }
    }

    /**
     * ClientAuth.REQUEST: a client without a certificate (a probe) and one with a certificate
     * (like the aggregator's front-proxy client) both complete the handshake.
     */
    @Test
    void acceptsClientsWithAndWithoutCertificates(Vertx vertx) throws Exception {
        HttpServer server = await(SecureServer.start(vertx, Router.router(vertx), 0, TlsOptions.selfSigned(List.of())));
        try {
            try (SSLSocket socket = connect(server.actualPort(), "http/1.1", null)) {
                assertThat(socket.getSession().getLocalCertificates()).isNull();
                assertThat(statusLine(socket)).startsWith("HTTP/1.1 ");
            }
            SelfSignedCertificate client = SelfSignedCertificate.generate(List.of());
            try (SSLSocket socket = connect(server.actualPort(), "http/1.1", keyManagers(client))) {
                assertThat(socket.getSession().getLocalCertificates()).hasSize(1);
                // With TLS 1.3 the server checks a client certificate after the client's handshake
                // is done: only a full request/response shows it was accepted.
                assertThat(statusLine(socket)).startsWith("HTTP/1.1 ");
            }
        } finally {
            await(server.close());
        }
    }

    /** With a configured client CA, a certificate from elsewhere is refused (delegated auth relies on it). */
    @Test
    void configuredClientTrustRejectsForeignCertificates(Vertx vertx) throws Exception {
        SelfSignedCertificate trusted = SelfSignedCertificate.generate(List.of());
        TlsOptions tls = TlsOptions.selfSigned(List.of()).withClientTrust(
                new PemTrustOptions().addCertValue(io.vertx.core.buffer.Buffer.buffer(trusted.certificatePem())));
        HttpServer server = await(SecureServer.start(vertx, Router.router(vertx), 0, tls));
        try {
            try (SSLSocket socket = connect(server.actualPort(), "http/1.1", keyManagers(trusted))) {
                assertThat(statusLine(socket)).startsWith("HTTP/1.1 ");
            }
            SelfSignedCertificate foreign = SelfSignedCertificate.generate(List.of());
            try (SSLSocket socket = connect(server.actualPort(), "http/1.1", keyManagers(foreign))) {
                assertThatThrownBy(() -> statusLine(socket)).isInstanceOf(javax.net.ssl.SSLException.class);
            }
        } finally {
            await(server.close());
        }
    }

    @Test
    void failsToStartWhenTheCertificateFileIsMissing(Vertx vertx, @TempDir Path dir) {
        Future<HttpServer> started = SecureServer.start(vertx, Router.router(vertx), 0,
                TlsOptions.fromFiles(dir.resolve("missing.crt"), dir.resolve("missing.key")));
        assertThatThrownBy(() -> await(started)).hasMessageContaining("Unable to read file");
    }

    @Test
    void certificateAndKeyFilesComeTogether() {
        assertThatThrownBy(() -> new TlsOptions(Path.of("tls.crt"), null, List.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tls-private-key-file");
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static SSLSocket connect(int port, String alpn, KeyManager[] keyManagers) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, new TrustManager[] {new TrustAll()}, new SecureRandom());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {alpn});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static String statusLine(SSLSocket socket) throws Exception {
        socket.getOutputStream().write("GET /anything HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
    }

    private static KeyManager[] keyManagers(SelfSignedCertificate cert) throws Exception {
        String base64 = cert.privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        Certificate parsed = CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key, new char[0], new Certificate[] {parsed});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        X509KeyManager delegate = (X509KeyManager) factory.getKeyManagers()[0];
        // Offer the certificate whatever CAs the server names, as a misconfigured client might.
        return new KeyManager[] {new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"client"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "client";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return delegate.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return delegate.getPrivateKey(alias);
            }
        } };
    }

    /** The test checks what the server presents itself; it does not validate a chain. */
    private static final class TrustAll implements X509TrustManager {
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
    }
}
