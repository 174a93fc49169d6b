package io.github.queuemetrics.adapter.tls;

import io.github.queuemetrics.adapter.api.HttpServerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS server of the secure port: HTTP/2 through ALPN (what kube-apiserver's proxy speaks)
 * and HTTP/1.1. Client certificates are requested but not required: the front proxy presents
 * one, kubelet probes and {@code kubectl port-forward} users do not. Unless
 * {@link TlsOptions#clientTrust()} is set, any client certificate is accepted and none is trusted
 * for identity.
 */
public final class SecureServer {

    private static final Logger LOGGER = LoggerFactory.getLogger(SecureServer.class);

    private SecureServer() {
    }

    /**
     * Starts listening on {@code port} (0 = any free port; see {@link HttpServer#actualPort()}).
     * Fails when the PEM files cannot be read or the port is taken.
     */
    public static Future<HttpServer> start(Vertx vertx, Router router, int port, TlsOptions tls) {
        return keyCertOptions(vertx, tls)
                .compose(keyCert -> vertx.createHttpServer(options(port, tls, keyCert))
                        .invalidRequestHandler(HttpServerLimits::invalidRequest)
                        .requestHandler(HttpServerLimits.rejectingMalformedUrls(router))
                        .listen())
                .onSuccess(server -> LOGGER.info("Secure port listening on {} (HTTPS, h2 and http/1.1, {})",
                        server.actualPort(), tls.generatesCertificate()
                                ? "self-signed certificate" : "certificate " + tls.certFile()));
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

    private static Future<KeyCertOptions> keyCertOptions(Vertx vertx, TlsOptions tls) {
        if (!tls.generatesCertificate()) {
            return Future.succeededFuture(new PemKeyCertOptions()
                    .setCertPath(tls.certFile().toString())
                    .setKeyPath(tls.keyFile().toString()));
        }
        // Key generation is CPU work: keep it off the event loop in case we are called from one.
        return vertx.executeBlocking(() -> SelfSignedCertificate.generate(tls.extraDnsNames()).keyCertOptions());
    }
}
