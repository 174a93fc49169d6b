package io.github.queuemetrics.adapter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.queuemetrics.adapter.Adapter;
import io.github.queuemetrics.adapter.cli.CommandLine;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.github.queuemetrics.adapter.tls.SecureServer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter started with {@code --tls-cert-file} / {@code --tls-private-key-file} serves a
 * renewed certificate once the files change (cert-manager rotates them), without a restart; a
 * broken pair written over them keeps the certificate in service. Redis DB 14 (one rq source,
 * only so the adapter has something to poll).
 */
@Timeout(120)
class ServingCertificateReloadIT {

    @TempDir
    Path dir;

    @Test
    void aNewConnectionSeesTheRenewedCertificateAndABrokenOneIsIgnored() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("h6-transport serving CA");
        TestCertificates.Server a = ca.issue("localhost", "127.0.0.1");
        TestCertificates.Server b = ca.issue("localhost", "127.0.0.1");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        a.writePem(cert, key);
        String yaml = """
                sources:
                  - name: rq
                    type: rq
                    uri: %s
                    queues: [h6-transport-reload]
                """.formatted(Brokers.redisUri(14));
        Path config = Files.writeString(dir.resolve("adapter.yaml"), yaml);
        CommandLine.Options options = CommandLine.parse(new String[] {"--config", config.toString(),
                "--secure-port", "0", "--management-port", "0", "--authentication", "none",
                "--tls-cert-file", cert.toString(), "--tls-private-key-file", key.toString()}, Map.of());
        Adapter adapter = new Adapter(options, ConfigLoader.parse(yaml, Map.of()));
        adapter.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            assertThat(servedSerial(adapter.securePort())).isEqualTo(a.certificate().getSerialNumber());

            // as the kubelet updates a Secret volume: new files, swapped in whole
            b.writePem(dir.resolve("new.crt"), dir.resolve("new.key"));
            Files.move(dir.resolve("new.key"), key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(dir.resolve("new.crt"), cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(SecureServer.RELOAD_INTERVAL.multipliedBy(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> servedSerial(adapter.securePort()).equals(b.certificate().getSerialNumber()));

            // a half-done rotation: C's certificate with B's key. B stays in service.
            TestCertificates.Server c = ca.issue("localhost");
            c.writePem(dir.resolve("c.crt"), dir.resolve("c.key"));
            Files.copy(dir.resolve("c.crt"), cert, StandardCopyOption.REPLACE_EXISTING); // key still B's
            Thread.sleep(SecureServer.RELOAD_INTERVAL.multipliedBy(2).toMillis());
            assertThat(servedSerial(adapter.securePort())).isEqualTo(b.certificate().getSerialNumber());

            // and once the key follows, C is served
            Files.copy(dir.resolve("c.key"), key, StandardCopyOption.REPLACE_EXISTING);
            await().atMost(SecureServer.RELOAD_INTERVAL.multipliedBy(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> servedSerial(adapter.securePort()).equals(c.certificate().getSerialNumber()));
        } finally {
            adapter.stop();
        }
    }

    /** The serial number of the certificate a new TLS connection to localhost:port is given. */
    static BigInteger servedSerial(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // this test looks at which certificate is served, not whether it is trusted
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        } }, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
