package io.github.queuemetrics.adapter.cli;

import io.github.queuemetrics.adapter.config.KeySuggestions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Parses the command line. Options are written {@code --name value} or {@code --name=value};
 * anything wrong (unknown option, missing or bad value, an option given twice) is a
 * {@link UsageException}, which Main turns into exit status {@link #EXIT_USAGE}.
 */
public final class CommandLine {

    public static final int EXIT_OK = 0;
    /** Bad command line or configuration. */
    public static final int EXIT_USAGE = 2;

    public static final String DEFAULT_CONFIG = "adapter.yaml";
    public static final int DEFAULT_SECURE_PORT = 6443;
    public static final int DEFAULT_MANAGEMENT_PORT = 8080;
    /** Set by Kubernetes in every pod; its presence selects delegated authentication by default. */
    public static final String IN_CLUSTER_ENV = "KUBERNETES_SERVICE_HOST";

    /** How requests on the secure port are authenticated and authorized. */
    public enum Authentication {
        /** Every request is allowed (local development, or a network that is trusted). */
        NONE("none"),
        /** Aggregated API server: front-proxy client certificate, TokenReview, SubjectAccessReview. */
        DELEGATED("delegated");

        private final String optionValue;

        Authentication(String optionValue) {
            this.optionValue = optionValue;
        }

        public String optionValue() {
            return optionValue;
        }
    }

    /**
     * The parsed command line.
     *
     * @param config            configuration file ({@code --config}, default adapter.yaml)
     * @param securePort        HTTPS port; 0 picks a free port
     * @param managementPort    plain HTTP port; 0 picks a free port
     * @param tlsCertFile       PEM certificate (chain); present exactly when tlsPrivateKeyFile is
     * @param tlsPrivateKeyFile PEM private key; absent: a self-signed certificate is generated
     * @param authentication    explicit, or DELEGATED in a cluster and NONE outside
     * @param checkConfig       validate, print the resolved configuration and exit
     * @param help              print {@link #helpText()} and exit 0 (other options are ignored)
     * @param version           print {@link #versionText()} and exit 0 (other options are ignored)
     * @param kubeconfig        the Kubernetes API's kubeconfig ({@code --kubeconfig}); absent: fabric8's
     *                          auto-configuration (in-cluster service account, KUBECONFIG, ~/.kube/config)
     */
    public record Options(
            Path config,
            int securePort,
            int managementPort,
            Optional<Path> tlsCertFile,
            Optional<Path> tlsPrivateKeyFile,
            Authentication authentication,
            boolean checkConfig,
            boolean help,
            boolean version,
            Optional<Path> kubeconfig) {

        /** True when the serving certificate comes from files rather than being generated. */
        public boolean hasTlsFiles() {
            return tlsCertFile.isPresent();
        }
    }

    private enum Option {
        CONFIG("--config", "FILE", "configuration file (YAML)", "default: " + DEFAULT_CONFIG),
        SECURE_PORT("--secure-port", "N",
                "HTTPS port: external metrics API, admission webhook, pre-stop hook",
                "default: " + DEFAULT_SECURE_PORT + "; 0 picks a free port"),
        MANAGEMENT_PORT("--management-port", "N",
                "plain HTTP port: health, readiness, Prometheus metrics, worker probes",
                "default: " + DEFAULT_MANAGEMENT_PORT + "; 0 picks a free port"),
        TLS_CERT_FILE("--tls-cert-file", "F", "PEM serving certificate (give with --tls-private-key-file)",
                "default: none, a self-signed certificate is generated at start"),
        TLS_PRIVATE_KEY_FILE("--tls-private-key-file", "F", "PEM private key of --tls-cert-file",
                "default: none"),
        AUTHENTICATION("--authentication", "none|delegated",
                "delegated: act as an aggregated API server (front-proxy client certificate,\n"
                        + "TokenReview, SubjectAccessReview); none: allow every request",
                "default: delegated inside a cluster (" + IN_CLUSTER_ENV + " set), none outside"),
        KUBECONFIG("--kubeconfig", "FILE", "the Kubernetes API for the scale-down hook and delegated authentication",
                "default: in-cluster service account, else KUBECONFIG, else ~/.kube/config"),
        CHECK_CONFIG("--check-config", null,
                "validate the configuration, print the resolved sources (secrets hidden) and exit",
                "exit status 0 when valid, 2 otherwise"),
        HELP("--help", null, "print this help and exit", null),
        VERSION("--version", null, "print the version and exit", null);

        final String name;
        final String valueName;
        final String description;
        final String defaultText;

        Option(String name, String valueName, String description, String defaultText) {
            this.name = name;
            this.valueName = valueName;
            this.description = description;
            this.defaultText = defaultText;
        }

        boolean takesValue() {
            return valueName != null;
        }
    }

    private CommandLine() {
    }

    /**
     * Parses {@code args}; {@code env} decides the default of --authentication.
     *
     * @throws UsageException with a one-line message naming the option at fault
     */
    public static Options parse(String[] args, Map<String, String> env) throws UsageException {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return defaults(env, true, false);
            }
        }
        for (String arg : args) {
            if (arg.equals("--version")) {
                return defaults(env, false, true);
            }
        }
        Map<Option, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'"
                        + (arg.endsWith(".yaml") || arg.endsWith(".yml")
                        ? "; did you mean --config " + arg + "?" : "; options start with --"));
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            Option option = option(name);
            String value;
            if (!option.takesValue()) {
                if (equals >= 0) {
                    throw new UsageException(name + " takes no value");
                }
                value = "";
            } else if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "";
            }
            if (option.takesValue() && value.isEmpty()) {
                throw new UsageException(name + " needs a value: " + name + " " + option.valueName);
            }
            if (given.put(option, value) != null) {
                throw new UsageException(name + " is given twice");
            }
        }
        return build(given, env);
    }

    private static Options defaults(Map<String, String> env, boolean help, boolean version) {
        return new Options(Path.of(DEFAULT_CONFIG), DEFAULT_SECURE_PORT, DEFAULT_MANAGEMENT_PORT,
                Optional.empty(), Optional.empty(), defaultAuthentication(env), false, help, version, Optional.empty());
    }

    private static Options build(Map<Option, String> given, Map<String, String> env) throws UsageException {
        Path config = Path.of(given.getOrDefault(Option.CONFIG, DEFAULT_CONFIG));
        int securePort = port(given, Option.SECURE_PORT, DEFAULT_SECURE_PORT);
        int managementPort = port(given, Option.MANAGEMENT_PORT, DEFAULT_MANAGEMENT_PORT);
        if (securePort != 0 && securePort == managementPort) {
            throw new UsageException("--secure-port and --management-port are both " + securePort
                    + "; they must differ");
        }
        Optional<Path> cert = readableFile(given, Option.TLS_CERT_FILE);
        Optional<Path> key = readableFile(given, Option.TLS_PRIVATE_KEY_FILE);
        if (cert.isPresent() != key.isPresent()) {
            throw new UsageException("--tls-cert-file and --tls-private-key-file go together: give both or neither");
        }
        Authentication authentication = given.containsKey(Option.AUTHENTICATION)
                ? authentication(given.get(Option.AUTHENTICATION)) : defaultAuthentication(env);
        return new Options(config, securePort, managementPort, cert, key, authentication,
                given.containsKey(Option.CHECK_CONFIG), false, false, readableFile(given, Option.KUBECONFIG));
    }

    private static Option option(String name) throws UsageException {
        List<String> names = new ArrayList<>();
        for (Option option : Option.values()) {
            if (option.name.equals(name)) {
                return option;
            }
            names.add(option.name);
        }
        throw new UsageException("unknown option " + name
                + KeySuggestions.closest(name, names).map(s -> "; did you mean " + s + "?").orElse("")
);
    }

    private static int port(Map<Option, String> given, Option option, int fallback) throws UsageException {
        String value = given.get(option);
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(option.name + " must be a port number from 0 to 65535, not '" + value + "'");
    }

    private static Optional<Path> readableFile(Map<Option, String> given, Option option) throws UsageException {
        String value = given.get(option);
        if (value == null) {
            return Optional.empty();
        }
        Path file = Path.of(value);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UsageException(option.name + ": cannot read the file " + value);
        }
        return Optional.of(file);
    }

    private static Authentication authentication(String value) throws UsageException {
        for (Authentication a : Authentication.values()) {
            if (a.optionValue.equals(value)) {
                return a;
            }
        }
        throw new UsageException("--authentication must be none or delegated, not '" + value + "'");
    }

    static Authentication defaultAuthentication(Map<String, String> env) {
        String host = env.get(IN_CLUSTER_ENV);
        return host == null || host.isBlank() ? Authentication.NONE : Authentication.DELEGATED;
    }

    /** The text for --help: usage, every option with its default, exit statuses. */
    public static String helpText() {
        StringBuilder out = new StringBuilder();
        out.append("Usage: java -jar queue-metrics-adapter.jar [--config FILE] [options]\n\n")
                .append("Kubernetes external metrics adapter serving per-queue task counts of Celery")
                .append(" (RabbitMQ or Redis broker) and RQ workers.\n\n")
                .append("Options (--name value and --name=value are both accepted):\n");
        Map<Option, String> left = new HashMap<>();
        int width = 0;
        for (Option option : Option.values()) {
            String text = option.name + (option.takesValue() ? " " + option.valueName : "");
            left.put(option, text);
            width = Math.max(width, text.length());
        }
        for (Option option : Option.values()) {
            String text = left.get(option);
            String indent = "  " + " ".repeat(width + 2);
            out.append("  ").append(text).append(" ".repeat(width - text.length() + 2))
                    .append(option.description.replace("\n", "\n" + indent)).append('\n');
            if (option.defaultText != null) {
                out.append(indent).append('(').append(option.defaultText).append(")\n");
            }
        }
        out.append("\nThe configuration may refer to environment variables as ${VAR} or ${VAR:-default}.\n")
                .append("Exit status: 0 success, 2 bad command line or configuration (one line per problem).\n");
        return out.toString();
    }

    /** The project version from /version.properties (filtered by Maven), or "unknown". */
    public static String version() {
        try (InputStream in = CommandLine.class.getResourceAsStream("/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "").strip();
            return version.isEmpty() || version.contains("${") ? "unknown" : version;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The text for --version. */
    public static String versionText() {
        return "queue-metrics-adapter " + version();
    }
}
