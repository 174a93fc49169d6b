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
import java.security.interfaces.ECPrivateKey;
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
        // the same key; the encodings may differ (the wrapped SEC1 part keeps its curve, openssl's PKCS#8 drops it)
        assertThat(secret(read)).isEqualTo(secret(PemPrivateKeys.read(asPkcs8)));
    }

    private static java.math.BigInteger secret(PrivateKey key) {
        return key instanceof ECPrivateKey ec ? ec.getS()
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

    /** openssl's own PKCS#8 of a PKCS#1 key is the same wrapping, byte for byte. */
    @Test
    void aPkcs1KeyIsWrappedExactlyAsOpensslWritesItsPkcs8(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("key.pem"), openssl(dir, "openssl", "genrsa", "-traditional", "2048"));
        // to files: openssl's progress lines on stderr would be mixed into the bytes
        openssl(dir, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "pkcs8.der");
        openssl(dir, "openssl", "rsa", "-in", "key.pem", "-traditional", "-outform", "DER", "-out", "pkcs1.der");
        byte[] opensslPkcs8 = Files.readAllBytes(dir.resolve("pkcs8.der"));
        byte[] pkcs1 = Files.readAllBytes(dir.resolve("pkcs1.der"));
        assertThat(PemPrivateKeys.wrapPkcs1(pkcs1)).isEqualTo(opensslPkcs8);
    }

    /** The curve comes from the SEC1 key's parameters, whichever it is. */
    @ParameterizedTest
    @ValueSource(strings = {"prime256v1:1.2.840.10045.3.1.7", "secp384r1:1.3.132.0.34"})
    void aSec1KeyIsWrappedWithItsCurve(String curveAndOid, @TempDir Path dir) throws Exception {
        String[] c = curveAndOid.split(":");
        byte[] pem = openssl(dir, "openssl", "ecparam", "-name", c[0], "-genkey", "-noout");
        Files.write(dir.resolve("key.pem"), pem);
        openssl(dir, "openssl", "ec", "-in", "key.pem", "-outform", "DER", "-out", "sec1.der");
        byte[] sec1 = Files.readAllBytes(dir.resolve("sec1.der"));
        var algorithm = Der.parse(PemPrivateKeys.wrapSec1(sec1)).children().get(1).children();
        assertThat(algorithm.get(0).oid()).isEqualTo(PemPrivateKeys.EC_PUBLIC_KEY);
        assertThat(algorithm.get(1).oid()).isEqualTo(c[1]);
        byte[] asPkcs8 = openssl(dir, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem");
        assertThat(secret(PemPrivateKeys.read(pem))).isEqualTo(secret(PemPrivateKeys.read(asPkcs8)));
    }

    /** A SEC1 key may leave its curve out (RFC 5915 makes parameters optional); then nothing says which curve it is on. */
    @Test
    void aSec1KeyWithoutItsCurveIsRefusedClearly() throws Exception {
        ECPrivateKey key = (ECPrivateKey) keys("EC").getPrivate();
        byte[] s = key.getS().toByteArray(); // may have a sign byte or be shorter than the field
        byte[] privateKey = new byte[32];
        int n = Math.min(s.length, 32);
        System.arraycopy(s, s.length - n, privateKey, 32 - n, n);
        byte[] bare = Der.sequence(Der.integer(1), Der.octetString(privateKey));
        byte[] pem = ("-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(bare)
                + "\n-----END EC PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PemPrivateKeys.read(pem)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not name its curve");
    }

    /** {@code openssl ecparam -genkey} without {@code -noout} writes an EC PARAMETERS block first. */
    @Test
    void blocksBeforeTheKeyAreSkipped(@TempDir Path dir) throws Exception {
        byte[] pem = openssl(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey");
        assertThat(new String(pem, StandardCharsets.US_ASCII)).startsWith("-----BEGIN EC PARAMETERS-----");
        assertThat(PemPrivateKeys.read(pem).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void encryptedKeysAreRefusedAsSuch(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("key.pem"), openssl(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"));
        byte[] traditional = openssl(dir, "openssl", "ec", "-in", "key.pem", "-aes128", "-passout", "pass:x");
        byte[] pkcs8 = openssl(dir, "openssl", "pkcs8", "-topk8", "-in", "key.pem", "-passout", "pass:x");
        assertThatThrownBy(() -> PemPrivateKeys.read(traditional)).isInstanceOf(IOException.class)
                .hasMessageContaining("encrypted");
        assertThatThrownBy(() -> PemPrivateKeys.read(pkcs8)).isInstanceOf(IOException.class)
                .hasMessageContaining("encrypted");
    }

    @Test
    void aFileWithoutAKeySaysSo() {
        assertThatThrownBy(() -> PemPrivateKeys.read("not a PEM file\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessageContaining("no private key");
        assertThatThrownBy(() -> PemPrivateKeys.read("-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> PemPrivateKeys.read("-----BEGIN PRIVATE KEY-----\nMIGH\n"
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class).hasMessageContaining("END line");
        // well-formed base64 of something that is not a key
        assertThatThrownBy(() -> PemPrivateKeys.read("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class).hasMessageContaining("PrivateKeyInfo");
    }
}
