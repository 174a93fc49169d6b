package io.github.queuemetrics.adapter.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the serving certificate when {@code --tls-cert-file} / {@code --tls-private-key-file}
 * change (cert-manager renews them in the mounted Secret; the kubelet swaps the files). The files
 * are read every {@code interval} on a worker thread; when their contents differ from what is
 * served, the pair is checked (the certificate parses, the key parses and belongs to it) and
 * handed to {@link HttpServer#updateSSLOptions}: new connections get the new certificate, open
 * ones keep theirs. A pair that fails the check (a half-written rotation, a wrong key) is logged
 * as an error once and the previous certificate stays in service; the next change is tried again.
 */
final class ServingCertificateReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ServingCertificateReloader.class);

    private final Vertx vertx;
    private final HttpServer server;
    private final ServerSSLOptions sslOptions;
    private final Path certFile;
    private final Path keyFile;
    /** The contents last served, and the last contents refused (so each bad pair is logged once). */
    private byte[][] served;
    private byte[][] refused;
    private boolean checking;

    /**
     * @param sslOptions the options the server was started with; only the key and certificate change
     * @param initial    the contents of the files the server was started with
     */
    ServingCertificateReloader(Vertx vertx, HttpServer server, ServerSSLOptions sslOptions, Path certFile,
                               Path keyFile, byte[][] initial) {
        this.vertx = vertx;
        this.server = server;
        this.sslOptions = sslOptions.copy();
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.served = initial;
    }

    /** Reads both files, as the server does at start. */
    static byte[][] read(Path certFile, Path keyFile) throws IOException {
        return new byte[][] {readFile(certFile), readFile(keyFile)};
    }

    private static byte[] readFile(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("Unable to read file " + file + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Checks the files every {@code interval} from now on (the timer ends with Vert.x). */
    void start(Duration interval) {
        vertx.setPeriodic(interval.toMillis(), id -> check());
    }

    private void check() {
        if (checking) {
            return;
        }
        checking = true;
        vertx.executeBlocking(() -> read(certFile, keyFile), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        checking = false;
                        LOG.debug("serving certificate files not readable right now: {}", ar.cause().toString());
                        return;
                    }
                    byte[][] now = ar.result();
                    if (same(now, served) || same(now, refused)) {
                        checking = false;
                        return;
                    }
                    try {
                        String subject = validate(now[0], now[1]);
                        update(now, subject);
                    } catch (IOException | GeneralSecurityException | RuntimeException e) {
                        checking = false;
                        refused = now;
                        LOG.error("serving certificate {} / {} changed but cannot be used ({}); still serving the "
                                + "previous certificate", certFile, keyFile, e.getMessage());
                    }
                });
    }

    private void update(byte[][] now, String subject) {
        ServerSSLOptions next = sslOptions.copy().setKeyCertOptions(new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(now[0])).addKeyValue(Buffer.buffer(now[1])));
        server.updateSSLOptions(next, true).onComplete(ar -> {
            checking = false;
            if (ar.succeeded()) {
                served = now;
                LOG.info("serving certificate reloaded from {}: {}", certFile, subject);
            } else {
                refused = now;
                LOG.error("serving certificate {} changed but the TLS server refused it ({}); still serving the "
                        + "previous certificate", certFile, ar.cause().getMessage());
            }
        });
    }

    /**
     * Parses the certificate chain and the private key and checks that the key signs what the
     * first certificate's public key verifies.
     *
     * @return a description of the certificate for the log
     */
    static String validate(byte[] certPem, byte[] keyPem) throws IOException, GeneralSecurityException {
        var certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certPem));
        if (certificates.isEmpty()) {
            throw new IOException("no certificate in the certificate file");
        }
        X509Certificate leaf = (X509Certificate) certificates.iterator().next();
        PrivateKey key = PemPrivateKeys.read(keyPem);
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new IOException("the private key does not belong to the certificate");
        }
        return leaf.getSubjectX500Principal().getName() + ", serial " + leaf.getSerialNumber().toString(16)
                + ", valid until " + leaf.getNotAfter().toInstant();
    }

    private static boolean same(byte[][] a, byte[][] b) {
        return b != null && Arrays.equals(a[0], b[0]) && Arrays.equals(a[1], b[1]);
    }
}
