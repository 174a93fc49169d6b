package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key format a serving certificate comes in, read to the same key; a SEC1 key without its public key too. */
class PemPrivateKeysTest {

    private static KeyPair keys(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize("EC".equals(algorithm) ? 256 : 2048);
        return generator.generateKeyPair();
    }

    /** PKCS#8, as openssl 3 and cert-manager's PKCS8 encoding write it (64-column base64). */
    private static byte[] pkcs8(PrivateKey key) {
        return ("-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] openssl(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), new String(out, StandardCharsets.UTF_8)).isZero();
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void pkcs8KeysAreRead(String algorithm) throws Exception {
        KeyPair pair = keys(algorithm);
        PrivateKey read = PemPrivateKeys.read(pkcs8(pair.getPrivate()));
        assertThat(read.getAlgorithm()).isEqualTo(algorithm);
        assertThat(read.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
    }

    /** The traditional formats, as openssl writes them: PKCS#1 for RSA, SEC1 for EC (cert-manager's default). */
    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void traditionalKeysAreRead(String algorithm, @TempDir Path dir) throws Exception {
        byte[] pem = "RSA".equals(algorithm)
                ? openssl(dir, "openssl", "genrsa", "-traditional", "2048")
                : openssl(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout");
        assertThat(new String(pem, StandardCharsets.US_ASCII)).contains("-----BEGIN " + algorithm + " PRIVATE KEY-----");
        Files.write(dir.resolve("key.pem"), pem);
        byte[] asPkcs8 = openssl(dir, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem");
        PrivateKey read = PemPrivateKeys.read(pem);
        assertThat(read.getAlgorithm()).isEqualTo(algorithm);
        // the same key; the encodings may differ (BouncyCastle keeps the curve inside the SEC1 part)
        assertThat(secret(read)).isEqualTo(secret(PemPrivateKeys.read(asPkcs8)));
    }

    private static java.math.BigInteger secret(PrivateKey key) {
        return key instanceof java.security.interfaces.ECPrivateKey ec ? ec.getS()
                : ((java.security.interfaces.RSAPrivateKey) key).getPrivateExponent();
    }

    @Test
    void aSec1KeyWithoutItsPublicKeyIsRead(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("key.pem"), openssl(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"));
        byte[] bare = openssl(dir, "openssl", "ec", "-in", "key.pem", "-no_public");
        assertThat(new String(bare, StandardCharsets.US_ASCII)).contains("-----BEGIN EC PRIVATE KEY-----");
        byte[] full = Files.readAllBytes(dir.resolve("key.pem"));
        assertThat(secret(PemPrivateKeys.read(bare))).isEqualTo(secret(PemPrivateKeys.read(full)));
    }

    @Test
    void aFileWithoutAKeySaysSo() {
        assertThatThrownBy(() -> PemPrivateKeys.read("not a PEM file\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessageContaining("no private key");
        assertThatThrownBy(() -> PemPrivateKeys.read("-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> PemPrivateKeys.read("-----BEGIN PRIVATE KEY-----\nMIGH\n"
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class);
    }
}
