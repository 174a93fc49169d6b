package io.github.queuemetrics.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The DER encodings against bytes known from the specifications and openssl, and the reader's limits. */
class DerTest {

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @ParameterizedTest
    @CsvSource({
        "1.2.840.113549.1.1.1, 06092a864886f70d010101", // rsaEncryption
        "1.2.840.10045.2.1, 06072a8648ce3d0201", // id-ecPublicKey
        "1.2.840.10045.3.1.7, 06082a8648ce3d030107", // prime256v1
        "2.5.29.17, 0603551d11", // subjectAltName
        "2.999.3, 0603883703", // a first subidentifier above 127 (X.690 8.19 example)
    })
    void oidsAreEncodedAndReadBack(String dotted, String expected) throws IOException {
        assertThat(hex(Der.oid(dotted))).isEqualTo(expected);
        assertThat(Der.parse(Der.oid(dotted)).oid()).isEqualTo(dotted);
    }

    @ParameterizedTest
    @CsvSource({"0, 020100", "127, 02017f", "128, 02020080", "256, 02020100", "-1, 0201ff", "-129, 0202ff7f"})
    void integersAreMinimalTwosComplement(long value, String expected) throws IOException {
        assertThat(hex(Der.integer(value))).isEqualTo(expected);
        assertThat(Der.parse(Der.integer(value)).integer()).isEqualTo(BigInteger.valueOf(value));
    }

    /** Short form up to 127 bytes, then the long form with as few length bytes as needed. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 255, 256, 65535, 65536})
    void lengthsUseTheShortestForm(int length) throws IOException {
        byte[] encoded = Der.octetString(new byte[length]);
        String header = hex(encoded).substring(0, Math.min(hex(encoded).length(), 10));
        String expected = length < 128 ? String.format("04%02x", length)
                : length < 256 ? String.format("0481%02x", length)
                : length < 65536 ? String.format("0482%04x", length)
                : String.format("0483%06x", length);
        assertThat(header).startsWith(expected);
        assertThat(encoded).hasSize(expected.length() / 2 + length);
        assertThat(Der.parse(encoded).contents()).hasSize(length);
    }

    @Test
    void timesAreUtcTimeUntil2049AndGeneralizedTimeFrom2050() {
        // tag, length, then the ASCII digits; fractions of a second dropped
        assertThat(hex(Der.time(Instant.parse("2026-12-07T18:30:05.999Z"))))
                .isEqualTo("170d" + hex("261207183005Z".getBytes(StandardCharsets.US_ASCII)));
        assertThat(hex(Der.time(Instant.parse("2050-01-01T00:00:00Z"))))
                .isEqualTo("180f" + hex("20500101000000Z".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void smallValuesHaveTheirFixedEncodings() {
        assertThat(hex(Der.nullValue())).isEqualTo("0500");
        assertThat(hex(Der.bool(true))).isEqualTo("0101ff");
        assertThat(hex(Der.bitString(new byte[] {(byte) 0xab}))).isEqualTo("030200ab");
        assertThat(hex(Der.sequence())).isEqualTo("3000");
        assertThat(hex(Der.explicit(3, Der.integer(2)))).isEqualTo("a303020102");
        assertThat(hex(Der.utf8String("é"))).isEqualTo("0c02c3a9");
    }

    @Test
    void nestedStructuresAreReadWithTheirEncodings() throws IOException {
        byte[] inner = Der.sequence(Der.oid("1.2.840.10045.2.1"), Der.oid("1.2.840.10045.3.1.7"));
        byte[] outer = Der.sequence(Der.integer(0), inner, Der.octetString(new byte[] {1, 2}));
        var children = Der.parse(outer).expect(Der.SEQUENCE, "outer").children();
        assertThat(children).hasSize(3);
        assertThat(children.get(1).encoded()).isEqualTo(inner);
        assertThat(children.get(1).children().get(1).oid()).isEqualTo("1.2.840.10045.3.1.7");
        assertThat(children.get(2).contents()).containsExactly(1, 2);
    }

    @Test
    void malformedInputIsAnIoException() {
        assertThatThrownBy(() -> Der.parse(new byte[0])).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Der.parse(HexFormat.of().parseHex("300500"))).isInstanceOf(IOException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Der.parse(HexFormat.of().parseHex("0500" + "00"))).isInstanceOf(IOException.class)
                .hasMessageContaining("extra bytes");
        assertThatThrownBy(() -> Der.parse(HexFormat.of().parseHex("3080")))
                .isInstanceOf(IOException.class).hasMessageContaining("length"); // BER's indefinite length
        assertThatThrownBy(() -> Der.parse(HexFormat.of().parseHex("06022a86")).oid())
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Der.parse(Der.integer(1)).expect(Der.SEQUENCE, "thing"))
                .isInstanceOf(IOException.class).hasMessageContaining("thing");
    }
}
