package io.github.queuemetrics.adapter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.github.queuemetrics.adapter.cli.CommandLine.Authentication;
import io.github.queuemetrics.adapter.cli.CommandLine.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommandLineTest {

    static final Map<String, String> OUTSIDE = Map.of();
    static final Map<String, String> INSIDE = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

    @TempDir
    static Path dir;
    static Path cert;
    static Path key;

    @BeforeAll
    static void pemFiles() throws IOException {
        cert = Files.writeString(dir.resolve("tls.crt"), "cert");
        key = Files.writeString(dir.resolve("tls.key"), "key");
    }

    static Options parse(Map<String, String> env, String... args) throws UsageException {
        return CommandLine.parse(args, env);
    }

    @Test
    void defaults() throws Exception {
        Options o = parse(OUTSIDE);
        assertThat(o.config()).isEqualTo(Path.of("adapter.yaml"));
        assertThat(o.securePort()).isEqualTo(6443);
        assertThat(o.managementPort()).isEqualTo(8080);
        assertThat(o.tlsCertFile()).isEmpty();
        assertThat(o.tlsPrivateKeyFile()).isEmpty();
        assertThat(o.hasTlsFiles()).isFalse();
        assertThat(o.authentication()).isEqualTo(Authentication.NONE);
        assertThat(o.checkConfig()).isFalse();
        assertThat(o.help()).isFalse();
        assertThat(o.version()).isFalse();
    }

    @Test
    void authenticationIsDelegatedByDefaultInsideACluster() throws Exception {
        assertThat(parse(INSIDE).authentication()).isEqualTo(Authentication.DELEGATED);
        assertThat(parse(Map.of("KUBERNETES_SERVICE_HOST", "")).authentication()).isEqualTo(Authentication.NONE);
        assertThat(parse(INSIDE, "--authentication", "none").authentication()).isEqualTo(Authentication.NONE);
        assertThat(parse(OUTSIDE, "--authentication=delegated").authentication()).isEqualTo(Authentication.DELEGATED);
    }

    static Stream<Arguments> spellings() {
        return Stream.of(
                arguments((Object) new String[] {"--config", "x.yaml", "--secure-port", "9443", "--management-port", "9090"}),
                arguments((Object) new String[] {"--config=x.yaml", "--secure-port=9443", "--management-port=9090"}),
                arguments((Object) new String[] {"--management-port=9090", "--config", "x.yaml", "--secure-port=9443"}));
    }

    @ParameterizedTest
    @MethodSource("spellings")
    void acceptsBothSpellingsInAnyOrder(String[] args) throws Exception {
        Options o = CommandLine.parse(args, OUTSIDE);
        assertThat(o.config()).isEqualTo(Path.of("x.yaml"));
        assertThat(o.securePort()).isEqualTo(9443);
        assertThat(o.managementPort()).isEqualTo(9090);
    }

    @Test
    void flags() throws Exception {
        assertThat(parse(OUTSIDE, "--check-config", "--config", "a.yaml").checkConfig()).isTrue();
        assertThat(parse(OUTSIDE, "--secure-port", "0", "--management-port", "0").securePort()).isZero();
    }

    @Test
    void kubeconfigNamesAReadableFile() throws Exception {
        assertThat(parse(OUTSIDE).kubeconfig()).isEmpty();
        assertThat(parse(OUTSIDE, "--kubeconfig", cert.toString()).kubeconfig()).contains(cert);
        assertThatThrownBy(() -> parse(OUTSIDE, "--kubeconfig", dir.resolve("missing").toString()))
                .isInstanceOf(UsageException.class)
                .hasMessage("--kubeconfig: cannot read the file " + dir.resolve("missing"));
        assertThat(CommandLine.helpText()).contains("--kubeconfig FILE", "~/.kube/config");
    }

    @Test
    void tlsFilesGoTogether() throws Exception {
        Options o = parse(OUTSIDE, "--tls-cert-file", cert.toString(), "--tls-private-key-file=" + key);
        assertThat(o.tlsCertFile()).isEqualTo(Optional.of(cert));
        assertThat(o.tlsPrivateKeyFile()).isEqualTo(Optional.of(key));
        assertThat(o.hasTlsFiles()).isTrue();
    }

    @Test
    void helpAndVersionWinOverEverythingElse() throws Exception {
        assertThat(parse(OUTSIDE, "--bogus", "--help").help()).isTrue();
        assertThat(parse(OUTSIDE, "-h").help()).isTrue();
        Options version = parse(OUTSIDE, "--secure-port", "x", "--version");
        assertThat(version.version()).isTrue();
        assertThat(version.help()).isFalse();
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                arguments(new String[] {"--bogus"}, "unknown option --bogus"),
                arguments(new String[] {"--conifg", "x.yaml"}, "unknown option --conifg; did you mean --config?"),
                arguments(new String[] {"--secure-port=abc"}, "--secure-port must be a port number from 0 to 65535, not 'abc'"),
                arguments(new String[] {"--secure-port", "70000"}, "--secure-port must be a port number from 0 to 65535, not '70000'"),
                arguments(new String[] {"--management-port", "-1"}, "--management-port must be a port number from 0 to 65535, not '-1'"),
                arguments(new String[] {"--secure-port"}, "--secure-port needs a value: --secure-port N"),
                arguments(new String[] {"--config", "--check-config"}, "--config needs a value: --config FILE"),
                arguments(new String[] {"--config="}, "--config needs a value: --config FILE"),
                arguments(new String[] {"--check-config=yes"}, "--check-config takes no value"),
                arguments(new String[] {"--authentication", "basic"}, "--authentication must be none or delegated, not 'basic'"),
                arguments(new String[] {"--authentication=NONE"}, "--authentication must be none or delegated, not 'NONE'"),
                arguments(new String[] {"adapter.yaml"}, "unexpected argument 'adapter.yaml'; did you mean --config adapter.yaml?"),
                arguments(new String[] {"-c", "x"}, "unexpected argument '-c'; options start with --"),
                arguments(new String[] {"--config", "a", "--config=b"}, "--config is given twice"),
                arguments(new String[] {"--secure-port", "8080"}, "--secure-port and --management-port are both 8080; they must differ"),
                arguments(new String[] {"--tls-cert-file", "/nonexistent/tls.crt", "--tls-private-key-file", "/nonexistent/tls.key"},
                        "--tls-cert-file: cannot read the file /nonexistent/tls.crt"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badCommandLines")
    void rejects(String[] args, String message) {
        assertThatThrownBy(() -> CommandLine.parse(args, OUTSIDE)).isInstanceOf(UsageException.class).hasMessage(message);
    }

    @Test
    void aTlsFileAloneIsRejected() {
        String message = "--tls-cert-file and --tls-private-key-file go together: give both or neither";
        assertThatThrownBy(() -> parse(OUTSIDE, "--tls-cert-file", cert.toString())).hasMessage(message);
        assertThatThrownBy(() -> parse(OUTSIDE, "--tls-private-key-file", key.toString())).hasMessage(message);
    }

    @Test
    void aDirectoryIsNotAReadableFile() {
        assertThatThrownBy(() -> parse(OUTSIDE, "--tls-cert-file", dir.toString(), "--tls-private-key-file", key.toString()))
                .hasMessage("--tls-cert-file: cannot read the file " + dir);
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        String help = CommandLine.helpText();
        assertThat(help).contains("--config FILE", "default: adapter.yaml", "--secure-port N", "default: 6443",
                "--management-port N", "default: 8080", "--tls-cert-file F", "--tls-private-key-file F",
                "--authentication none|delegated", "delegated inside a cluster", "--check-config", "--help", "--version",
                "Exit status: 0 success, 2");
    }

    @Test
    void versionComesFromTheMavenFilteredResource() {
        assertThat(CommandLine.version()).matches("\\d+\\.\\d+\\.\\d+.*").doesNotContain("${");
        assertThat(CommandLine.versionText()).isEqualTo("queue-metrics-adapter " + CommandLine.version());
    }
}
