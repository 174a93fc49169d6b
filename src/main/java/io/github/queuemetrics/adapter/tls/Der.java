package io.github.queuemetrics.adapter.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little of ASN.1 DER the serving certificate and key files need, written and read with the
 * JDK alone: BouncyCastle on the class path makes Netty load ~800 of its classes at the first TLS
 * handshake (bench/README.md, "BouncyCastle off the class path"). Only definite lengths and
 * single-byte tags (numbers up to 30), which is all X.509 and the key formats use.
 */
final class Der {

    static final int BOOLEAN = 0x01;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
    private static final Instant FIRST_GENERALIZED = Instant.parse("2050-01-01T00:00:00Z");
    private static final DateTimeFormatter UTC_FORMAT = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private Der() {
    }

    /** One element: tag, length, contents. */
    static byte[] element(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int length = contents.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }

    /** A constructed element (SEQUENCE, SET, an explicit [n]) of already encoded elements. */
    static byte[] constructed(int tag, byte[]... elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : elements) {
            out.writeBytes(e);
        }
        return element(tag, out.toByteArray());
    }

    static byte[] sequence(byte[]... elements) {
        return constructed(SEQUENCE, elements);
    }

    /** {@code [n] EXPLICIT}: a context-specific constructed element wrapping {@code inner}. */
    static byte[] explicit(int n, byte[] inner) {
        return element(0xa0 | n, inner);
    }

    static byte[] integer(BigInteger value) {
        return element(INTEGER, value.toByteArray()); // two's complement, minimal: what DER wants
    }

    static byte[] integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    static byte[] bool(boolean value) {
        return element(BOOLEAN, new byte[] {(byte) (value ? 0xff : 0)});
    }

    static byte[] octetString(byte[] value) {
        return element(OCTET_STRING, value);
    }

    /** A BIT STRING of whole bytes (signatures, keys). */
    static byte[] bitString(byte[] value) {
        byte[] contents = new byte[value.length + 1];
        System.arraycopy(value, 0, contents, 1, value.length);
        return element(BIT_STRING, contents);
    }

    static byte[] nullValue() {
        return new byte[] {NULL, 0};
    }

    static byte[] utf8String(String value) {
        return element(UTF8_STRING, value.getBytes(StandardCharsets.UTF_8));
    }

    /** An X.509 Time, to the second (fractions dropped). */
    static byte[] time(Instant instant) {
        return instant.isBefore(FIRST_GENERALIZED)
                ? element(UTC_TIME, UTC_FORMAT.format(instant).getBytes(StandardCharsets.US_ASCII))
                : element(GENERALIZED_TIME, GENERALIZED_FORMAT.format(instant).getBytes(StandardCharsets.US_ASCII));
    }

    /** An OBJECT IDENTIFIER from its dotted form, e.g. {@code 1.2.840.10045.2.1}. */
    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not an OID: " + dotted);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeBase128(out, Long.parseLong(parts[0]) * 40 + Long.parseLong(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            writeBase128(out, Long.parseLong(parts[i]));
        }
        return element(OID, out.toByteArray());
    }

    private static void writeBase128(ByteArrayOutputStream out, long value) {
        int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
        for (int i = groups - 1; i >= 0; i--) {
            out.write((int) ((value >>> (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0));
        }
    }

    /**
     * A decoded element. {@code encoded} is the whole element (tag and length too), so a part of
     * a structure can be copied into another as it was.
     */
    record Element(int tag, byte[] contents, byte[] encoded) {

        /** The elements inside a constructed one (SEQUENCE, SET, explicit [n]). */
        List<Element> children() throws IOException {
            List<Element> children = new ArrayList<>();
            int at = 0;
            while (at < contents.length) {
                Element child = read(contents, at);
                children.add(child);
                at += child.encoded.length;
            }
            return children;
        }

        Element expect(int expected, String what) throws IOException {
            if (tag != expected) {
                throw new IOException(what + ": expected tag 0x" + Integer.toHexString(expected) + ", found 0x"
                        + Integer.toHexString(tag));
            }
            return this;
        }

        BigInteger integer() throws IOException {
            expect(INTEGER, "INTEGER");
            if (contents.length == 0) {
                throw new IOException("INTEGER without contents");
            }
            return new BigInteger(contents);
        }

        /** The dotted form of an OBJECT IDENTIFIER. */
        String oid() throws IOException {
            expect(OID, "OBJECT IDENTIFIER");
            StringBuilder dotted = new StringBuilder();
            long value = 0;
            boolean pending = false;
            for (byte b : contents) {
                if (value > (Long.MAX_VALUE >>> 7)) {
                    throw new IOException("OBJECT IDENTIFIER arc too large");
                }
                value = (value << 7) | (b & 0x7f);
                pending = (b & 0x80) != 0;
                if (!pending) {
                    if (dotted.length() == 0) {
                        long first = Math.min(value / 40, 2); // the first two arcs share a subidentifier
                        dotted.append(first).append('.').append(value - 40 * first);
                    } else {
                        dotted.append('.').append(value);
                    }
                    value = 0;
                }
            }
            if (pending || dotted.length() == 0) {
                throw new IOException("truncated OBJECT IDENTIFIER");
            }
            return dotted.toString();
        }
    }

    /** Reads exactly one element that spans all of {@code der}. */
    static Element parse(byte[] der) throws IOException {
        Element e = read(der, 0);
        if (e.encoded.length != der.length) {
            throw new IOException("extra bytes after the DER element (" + (der.length - e.encoded.length) + ")");
        }
        return e;
    }

    private static Element read(byte[] der, int offset) throws IOException {
        if (der.length - offset < 2) {
            throw new IOException("truncated DER element");
        }
        int tag = der[offset] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IOException("multi-byte DER tags are not supported");
        }
        int first = der[offset + 1] & 0xff;
        int at = offset + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int bytes = first & 0x7f;
            if (bytes == 0 || bytes > 4) {
                throw new IOException("unsupported DER length form (0x" + Integer.toHexString(first) + ")");
            }
            if (der.length - at < bytes) {
                throw new IOException("truncated DER length");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[at++] & 0xff);
            }
        }
        if (length > der.length - at) {
            throw new IOException("truncated DER element: " + length + " bytes announced, " + (der.length - at)
                    + " present");
        }
        int end = at + (int) length;
        return new Element(tag, Arrays.copyOfRange(der, at, end), Arrays.copyOfRange(der, offset, end));
    }
}
