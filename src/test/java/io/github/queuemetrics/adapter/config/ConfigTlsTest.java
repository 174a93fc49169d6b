package io.github.queuemetrics.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.queuemetrics.adapter.cli.CheckConfig;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-source {@code tls:} mapping: its shape, the CA file check, and how --check-config shows it. */
class ConfigTlsTest {

    @TempDir
    Path dir;

    static String rabbit(String amqpUri, String... extra) {
        StringBuilder yaml = new StringBuilder("""
                sources:
                  - name: rabbit
                    type: rabbitmq
                    amqpUri: %s
                    queues: [celery]
                """.formatted(amqpUri));
        for (String line : extra) {
            yaml.append("    ").append(line).append('\n');
        }
        return yaml.toString();
    }

    static List<String> problems(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of())).problems();
    }

    Path caFile() throws Exception {
        return TestCertificates.authority("config test CA").writePem(dir, "ca.pem");
    }

    @Test
    void caFileIsReadIntoTheSourceAndShownByCheckConfig() throws Exception {
        Path ca = caFile();
        AdapterConfig config = ConfigLoader.parse(rabbit("amqps://guest:guest@rabbit.example/%2F",
                "managementUri: https://rabbit.example:15671", "tls: {caFile: " + ca + "}"), Map.of());
        assertThat(config.sources().get(0).tlsCaFile()).isEqualTo(ca);
        assertThat(CheckConfig.render(config)).contains("    tls: {caFile: " + ca + "}\n");
    }

    @Test
    void withoutCaFileATlsSourceSaysItUsesTheJvmTrustStore() throws Exception {
        AdapterConfig config = ConfigLoader.parse(rabbit("amqps://guest:guest@rabbit.example/%2F"), Map.of());
        assertThat(config.sources().get(0).tlsCaFile()).isNull();
        assertThat(CheckConfig.render(config)).contains("# tls: no caFile: certificates are verified (chain and "
                + "host name) against the JVM's default trust store");
        assertThat(CheckConfig.render(ConfigLoader.parse(rabbit("amqp://guest:guest@rabbit.example/%2F"), Map.of())))
                .doesNotContain("tls");
    }

    @Test
    void anEmptyCaFileMeansTheJvmTrustStore() throws Exception {
        AdapterConfig config = ConfigLoader.parse(rabbit("amqps://rabbit.example/%2F",
                "tls: {caFile: \"${CA_FILE:-}\"}"), Map.of());
        assertThat(config.sources().get(0).tlsCaFile()).isNull();
    }

    @Test
    void aRedisSourceTakesTlsToo() throws Exception {
        Path ca = caFile();
        AdapterConfig config = ConfigLoader.parse("""
                sources:
                  - name: redis
                    type: celery-redis
                    uri: rediss://redis.example:6380/0
                    queues: [celery]
                    tls:
                      caFile: %s
                """.formatted(ca), Map.of());
        assertThat(config.sources().get(0).tlsCaFile()).isEqualTo(ca);
    }

    @Test
    void aMissingCaFileIsAnErrorNamingTheField() {
        assertThat(problems(rabbit("amqps://rabbit.example/%2F", "tls: {caFile: " + dir.resolve("nope.pem") + "}")))
                .containsExactly("sources[0].tls.caFile: " + dir.resolve("nope.pem") + ": no such file");
    }

    @Test
    void aFileWithoutCertificatesIsAnError() throws Exception {
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
        assertThat(problems(rabbit("amqps://rabbit.example/%2F", "tls: {caFile: " + key + "}")))
                .containsExactly("sources[0].tls.caFile: " + key
                        + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        Path broken = Files.writeString(dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        assertThat(problems(rabbit("amqps://rabbit.example/%2F", "tls: {caFile: " + broken + "}")))
                .singleElement().asString().startsWith("sources[0].tls.caFile: " + broken + ": not a valid PEM certificate");
    }

    @Test
    void unknownKeysAndShapesAreErrors() throws Exception {
        Path ca = caFile();
        assertThat(problems(rabbit("amqps://rabbit.example/%2F", "tls: {cafile: " + ca + "}")))
                .containsExactly("sources[0].tls.cafile: unknown key; did you mean caFile?");
        assertThat(problems(rabbit("amqps://rabbit.example/%2F", "tls: " + ca)))
                .singleElement().asString().startsWith("sources[0].tls: must be a mapping such as {caFile: ");
    }

    @Test
    void tlsWithoutAnyTlsUriIsAnError() throws Exception {
        Path ca = caFile();
        assertThat(problems(rabbit("amqp://rabbit.example/%2F", "managementUri: http://rabbit.example:15672",
                "tls: {caFile: " + ca + "}")))
                .containsExactly("sources[0].tls: none of this source's URIs uses TLS: write amqps://, https:// or "
                        + "rediss:// (tls only says which CAs to trust)");
        // with https for the management API alone it applies there
        assertThat(ConfigLoader.parse(rabbit("amqp://rabbit.example/%2F", "managementUri: https://rabbit.example:15671",
                "tls: {caFile: " + ca + "}"), Map.of()).sources().get(0).tlsCaFile()).isEqualTo(ca);
    }
}
