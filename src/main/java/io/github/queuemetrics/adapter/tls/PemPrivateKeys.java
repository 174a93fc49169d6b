package io.github.queuemetrics.adapter.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads the private key of a PEM file in each format a serving certificate comes in: PKCS#8
 * ({@code BEGIN PRIVATE KEY}: openssl 3, cert-manager with {@code encoding: PKCS8}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}: cert-manager's default),
 * through BouncyCastle (which Netty loads for TLS anyway when it is on the class path).
 */
final class PemPrivateKeys {

    private PemPrivateKeys() {
    }

    static PrivateKey read(byte[] pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                // the private part only: a SEC1 key may leave out its public key
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            throw new IOException("no private key in the key file");
        } catch (RuntimeException e) {
            // BouncyCastle reports bad base64 or DER unchecked; the caller expects a file error
            throw new IOException("the key file is not a readable PEM key: " + e.getMessage(), e);
        }
    }
}
