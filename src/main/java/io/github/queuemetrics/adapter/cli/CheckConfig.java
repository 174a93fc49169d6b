package io.github.queuemetrics.adapter.cli;

import com.fasterxml.jackson.databind.node.TextNode;
import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.Durations;
import io.github.queuemetrics.adapter.config.PulpSettings;
import io.github.queuemetrics.adapter.config.ScaleDownConfig;
import io.github.queuemetrics.adapter.config.Secrets;
import io.github.queuemetrics.adapter.config.SourceConfig;
import io.github.queuemetrics.adapter.config.SourceType;
import io.github.queuemetrics.adapter.config.WorkerKind;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code --check-config} report: the configuration after defaults and {@code ${VAR}}
 * references are applied, as YAML, with every password shown as {@code ***}. Per source it lists
 * every field that applies to its type, including the ones left at their defaults.
 */
public final class CheckConfig {

    /** Scalars that YAML would read as something other than this string are quoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/.][A-Za-z0-9_./:%@*+=-]*");
    /** Inside [...] a ':' may be taken for a mapping, so list items are stricter. */
    private static final Pattern PLAIN_IN_LIST = Pattern.compile("[A-Za-z_/.][A-Za-z0-9_./%*+=-]*");
    private static final Set<String> YAML_WORDS = Set.of("true", "false", "yes", "no", "on", "off", "y", "n",
            "null", "~");

    private CheckConfig() {
    }

    /** The report for a valid configuration; Main prints it to stdout and exits 0. */
    public static String render(AdapterConfig config) {
        StringBuilder out = new StringBuilder();
        int n = config.sources().size();
        out.append("# configuration is valid: ").append(n).append(n == 1 ? " source" : " sources")
                .append(" (defaults filled in, passwords shown as ***)\n");
        out.append("pollInterval: ").append(Durations.format(config.pollInterval())).append('\n');
        out.append("maxStaleness: ").append(Durations.format(config.maxStaleness())).append('\n');
        out.append("sources:\n");
        for (SourceConfig source : config.sources()) {
            renderSource(source, out);
        }
        config.scaleDownHook().ifPresent(scaleDown -> renderScaleDown(scaleDown, out));
        return out.toString();
    }

    private static void renderSource(SourceConfig s, StringBuilder out) {
        out.append("  - name: ").append(scalar(s.name())).append('\n');
        field(out, "type", scalar(s.type().configName()));
        if (s.type() == SourceType.RABBITMQ) {
            field(out, "amqpUri", uri(s.amqpUri()));
            if (s.managementUri() == null) {
                out.append("    # managementUri: not set (no unacked counts or rates)\n");
            } else {
                field(out, "managementUri", uri(s.managementUri()));
            }
            if (s.prometheusUri() != null) {
                field(out, "prometheusUri", uri(s.prometheusUri()));
            }
            field(out, "vhosts", list(s.vhosts()));
        } else if (s.type() == SourceType.PULP) {
            renderPulp(s.pulp(), out);
        } else {
            field(out, "uri", uri(s.uri()));
        }
        if (s.type() == SourceType.PULP) {
            out.append("    # queues: from groupBy\n");
        } else if (s.fixedQueues()) {
            field(out, "queues", list(s.queues()));
        } else {
            field(out, "queuePattern", quoted(s.queuePattern().pattern()));
            field(out, "maxQueues", String.valueOf(s.maxQueues()));
        }
        field(out, "workers", scalar(s.workers().configName()));
        if (s.namespaces().isEmpty()) {
            out.append("    # namespaces: not restricted (HPAs in every namespace may read this source)\n");
        } else {
            field(out, "namespaces", list(s.namespaces()));
        }
        field(out, "pollInterval", Durations.format(s.pollInterval()));
        field(out, "maxStaleness", Durations.format(s.maxStaleness()));
        if (s.type() == SourceType.CELERY_REDIS) {
            field(out, "prioritySteps", s.prioritySteps().stream().map(String::valueOf)
                    .collect(Collectors.joining(", ", "[", "]")));
            field(out, "separator", quoted(s.separator()));
            field(out, "keyPrefix", quoted(s.keyPrefix()));
        }
        if (s.workers() != WorkerKind.NONE) {
            field(out, "podWorkerTemplate", quoted(s.podWorkerTemplate()));
        }
        if (s.workers() == WorkerKind.CELERY) {
            field(out, "workerReplyTimeout", Durations.format(s.workerReplyTimeout()));
        }
        if (s.tlsCaFile() != null) {
            field(out, "tls", "{caFile: " + scalar(s.tlsCaFile().toString()) + "}");
        } else if (s.usesTls()) {
            out.append("    # tls: no caFile: certificates are verified (chain and host name) against the JVM's "
                    + "default trust store\n");
        }
    }

    private static void renderScaleDown(ScaleDownConfig scaleDown, StringBuilder out) {
        out.append("scaleDown:\n");
        out.append("  drainTimeout: ").append(Durations.format(scaleDown.drainTimeout())).append('\n');
        out.append("  undoAfter: ").append(Durations.format(scaleDown.undoAfter())).append('\n');
        out.append("  workloads:\n");
        for (ScaleDownConfig.Workload w : scaleDown.workloads()) {
            out.append("    - kind: ").append(w.kind().configName()).append('\n');
            out.append("      namespace: ").append(scalar(w.namespace())).append('\n');
            out.append("      name: ").append(scalar(w.name())).append('\n');
            out.append("      source: ").append(scalar(w.source())).append('\n');
            out.append("      workerName: ").append(quoted(w.workerName())).append('\n');
        }
    }

    /** The JDBC form even when the file gave a uri: it is what the driver is handed. */
    private static void renderPulp(PulpSettings pulp, StringBuilder out) {
        field(out, "jdbcUrl", quoted(pulp.redactedJdbcUrl()));
        if (pulp.user() != null) {
            field(out, "user", scalar(pulp.user()));
        }
        if (pulp.password() == null) {
            out.append("    # password: not set\n");
        } else {
            field(out, "password", "\"***\"");
        }
        field(out, "groupBy", pulp.groupBy().configName());
        field(out, "statementTimeout", Durations.format(pulp.statementTimeout()));
    }

    private static void field(StringBuilder out, String key, String value) {
        out.append("    ").append(key).append(": ").append(value).append('\n');
    }

    private static String uri(URI uri) {
        return scalar(Secrets.redact(uri));
    }

    private static String list(List<String> values) {
        return values.stream()
                .map(v -> PLAIN_IN_LIST.matcher(v).matches() && !isYamlWord(v) ? v : quoted(v))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Plain when YAML reads it back as the same string, else double-quoted (JSON escapes are valid YAML). */
    private static String scalar(String value) {
        return PLAIN.matcher(value).matches() && !isYamlWord(value) ? value : quoted(value);
    }

    private static boolean isYamlWord(String value) {
        return YAML_WORDS.contains(value.toLowerCase(Locale.ROOT));
    }

    private static String quoted(String value) {
        return TextNode.valueOf(value).toString();
    }
}
