package io.github.queuemetrics.adapter.tls;

import io.github.queuemetrics.adapter.api.HttpServerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS server of the secure port: HTTP/2 through ALPN (what kube-apiserver's proxy speaks)
 * and HTTP/1.1. Client certificates are requested but not required: the front proxy presents
 * one, kubelet probes and {@code kubectl port-forward} users do not. Unless
 * {@link TlsOptions#clientTrust()} is set, any client certificate is accepted here; with
 * {@code --authentication delegated} the guard verifies it before trusting it for an identity.
 *
 * <p>A certificate from files is reloaded when the files change ({@link ServingCertificateReloader},
 * checked every {@link #RELOAD_INTERVAL}).
 */
public final class SecureServer {

    private static final Logger LOGGER = LoggerFactory.getLogger(SecureServer.class);
    /** How often the certificate files are checked for a renewal. */
    public static final Duration RELOAD_INTERVAL = Duration.ofSeconds(5);

    private SecureServer() {
    }

    /**
     * Starts listening on {@code port} (0 = any free port; see {@link HttpServer#actualPort()}).
     * Fails when the PEM files cannot be read or the port is taken.
     */
    public static Future<HttpServer> start(Vertx vertx, Router router, int port, TlsOptions tls) {
        return start(vertx, router, port, tls, RELOAD_INTERVAL);
    }

    /** As {@link #start(Vertx, Router, int, TlsOptions)}, checking the certificate files every {@code reloadInterval}. */
    public static Future<HttpServer> start(Vertx vertx, Router router, int port, TlsOptions tls,
                                           Duration reloadInterval) {
        if (tls.generatesCertificate()) {
            // Key generation is CPU work: keep it off the event loop in case we are called from one.
            return vertx.executeBlocking(() -> SelfSignedCertificate.generate(tls.extraDnsNames()).keyCertOptions())
                    .compose(keyCert -> listen(vertx, router, options(port, tls, keyCert)))
                    .onSuccess(server -> LOGGER.info("Secure port listening on {} (HTTPS, h2 and http/1.1, "
                            + "self-signed certificate)", server.actualPort()));
        }
        // The files' contents are what the server gets, so the reloader knows exactly what is served.
        return vertx.executeBlocking(() -> ServingCertificateReloader.read(tls.certFile(), tls.keyFile()))
                .compose(files -> {
                    HttpServerOptions options = options(port, tls, new PemKeyCertOptions()
                            .addCertValue(Buffer.buffer(files[0])).addKeyValue(Buffer.buffer(files[1])));
                    return listen(vertx, router, options).onSuccess(server -> new ServingCertificateReloader(vertx,
                            server, options.getSslOptions(), tls.certFile(), tls.keyFile(), files)
                            .start(reloadInterval));
                })
                .onSuccess(server -> LOGGER.info("Secure port listening on {} (HTTPS, h2 and http/1.1, certificate {},"
                        + " reloaded when it changes)", server.actualPort(), tls.certFile()));
    }

    private static Future<HttpServer> listen(Vertx vertx, Router router, HttpServerOptions options) {
        return vertx.createHttpServer(options)
                .invalidRequestHandler(HttpServerLimits::invalidRequest)
                .requestHandler(HttpServerLimits.rejectingMalformedUrls(router))
                .listen();
    }

    static HttpServerOptions options(int port, TlsOptions tls, KeyCertOptions keyCert) {
        HttpServerOptions options = HttpServerLimits.apply(new HttpServerOptions())
                .setPort(port)
                .setHost("0.0.0.0")
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setKeyCertOptions(keyCert)
                .setClientAuth(ClientAuth.REQUEST);
        // Without a configured client CA, accept any client certificate rather than fail the
        // handshake of a client that presents one (see AnyClientCertificate).
        return options.setTrustOptions(tls.clientTrust() != null
                ? tls.clientTrust()
                : TrustOptions.wrap(AnyClientCertificate.INSTANCE));
    }
}
