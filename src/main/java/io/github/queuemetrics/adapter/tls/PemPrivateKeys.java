package io.github.queuemetrics.adapter.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the private key of a PEM file in each format a serving certificate comes in: PKCS#8
 * ({@code BEGIN PRIVATE KEY}: openssl 3, cert-manager with {@code encoding: PKCS8}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}: cert-manager's default).
 * The JDK reads PKCS#8 only, so the two traditional forms are wrapped into PKCS#8 first (RFC 5208:
 * the key as it is, inside an OCTET STRING, after an AlgorithmIdentifier naming its algorithm).
 * Blocks that are not keys (an {@code EC PARAMETERS} block before the key, certificates) are
 * skipped; encrypted keys are refused, as the TLS server could not read them either.
 */
final class PemPrivateKeys {

    static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    /** PKCS#8 algorithm OIDs the JDK has a KeyFactory for. */
    private static final Map<String, String> ALGORITHMS = Map.of(RSA_ENCRYPTION, "RSA", EC_PUBLIC_KEY, "EC",
            "1.2.840.113549.1.1.10", "RSASSA-PSS", "1.3.101.112", "Ed25519", "1.3.101.113", "Ed448");
    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");

    private PemPrivateKeys() {
    }

    static PrivateKey read(byte[] pem) throws IOException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        Matcher begin = BEGIN.matcher(text);
        int from = 0;
        while (begin.find(from)) {
            String label = begin.group(1);
            String endLine = "-----END " + label + "-----";
            int end = text.indexOf(endLine, begin.end());
            if (end < 0) {
                throw new IOException("the key file's " + label + " block has no END line");
            }
            String body = text.substring(begin.end(), end);
            switch (label) {
                case "PRIVATE KEY":
                    return pkcs8(base64(body, label), label);
                case "RSA PRIVATE KEY":
                    return pkcs8(wrapPkcs1(base64(body, label)), label);
                case "EC PRIVATE KEY":
                    return pkcs8(wrapSec1(base64(body, label)), label);
                case "ENCRYPTED PRIVATE KEY":
                    throw new IOException("the key file holds an encrypted key; the serving key must be unencrypted");
                default:
                    from = end + endLine.length();
            }
        }
        throw new IOException("no private key in the key file");
    }

    private static byte[] base64(String body, String label) throws IOException {
        if (body.contains(":")) {
            // RFC 1421 headers: "Proc-Type: 4,ENCRYPTED" and "DEK-Info" of an openssl-encrypted key
            throw new IOException("the key file's " + label + " has PEM headers (an encrypted key?); the serving "
                    + "key must be unencrypted");
        }
        try {
            return Base64.getDecoder().decode(body.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IOException("the key file's " + label + " is not valid base64: " + e.getMessage(), e);
        }
    }

    private static PrivateKey pkcs8(byte[] der, String label) throws IOException {
        try {
            List<Der.Element> info = Der.parse(der).expect(Der.SEQUENCE, "PrivateKeyInfo").children();
            if (info.size() < 3) {
                throw new IOException("PrivateKeyInfo has " + info.size() + " elements, expected 3 or more");
            }
            String oid = info.get(1).expect(Der.SEQUENCE, "AlgorithmIdentifier").children().get(0).oid();
            String algorithm = ALGORITHMS.get(oid);
            if (algorithm == null) {
                throw new IOException("unsupported key algorithm " + oid);
            }
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException | GeneralSecurityException | IndexOutOfBoundsException e) {
            throw new IOException("the key file's " + label + " is not a readable key: " + e.getMessage(), e);
        }
    }

    /** PKCS#1 RSAPrivateKey -> PKCS#8 with the rsaEncryption AlgorithmIdentifier (parameters NULL). */
    static byte[] wrapPkcs1(byte[] rsaPrivateKey) throws IOException {
        Der.parse(rsaPrivateKey).expect(Der.SEQUENCE, "RSAPrivateKey");
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(RSA_ENCRYPTION), Der.nullValue()),
                Der.octetString(rsaPrivateKey));
    }

    /**
     * SEC1 ECPrivateKey (RFC 5915) -> PKCS#8 with id-ecPublicKey and the curve taken from the
     * key's {@code parameters [0]}. The SEC1 structure goes in unchanged (PKCS#8 allows its
     * parameters and public key to stay).
     */
    static byte[] wrapSec1(byte[] ecPrivateKey) throws IOException {
        List<Der.Element> fields = Der.parse(ecPrivateKey).expect(Der.SEQUENCE, "ECPrivateKey").children();
        if (fields.size() < 2 || !fields.get(0).integer().equals(BigInteger.ONE)) {
            throw new IOException("not a SEC1 ECPrivateKey (version 1, privateKey, ...)");
        }
        fields.get(1).expect(Der.OCTET_STRING, "ECPrivateKey.privateKey");
        for (Der.Element field : fields.subList(2, fields.size())) {
            if (field.tag() == 0xa0) {
                List<Der.Element> parameters = field.children();
                if (parameters.size() != 1) {
                    throw new IOException("ECPrivateKey.parameters holds " + parameters.size() + " elements");
                }
                // a named curve's OID, or explicit parameters (which the JDK refuses, naming them)
                return Der.sequence(Der.integer(0),
                        Der.sequence(Der.oid(EC_PUBLIC_KEY), parameters.get(0).encoded()),
                        Der.octetString(ecPrivateKey));
            }
        }
        throw new IOException("the EC PRIVATE KEY does not name its curve (SEC1 parameters [0] absent); write the "
                + "key with its curve or as PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
    }
}
