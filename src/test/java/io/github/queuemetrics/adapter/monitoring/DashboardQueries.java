package io.github.queuemetrics.adapter.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PromQL of the Grafana dashboards in grafana/dashboards/: every panel target (rows' nested
 * panels included) and every {@code label_values(...)} variable, with Grafana's template variables
 * replaced by concrete values, ready for Prometheus' {@code /api/v1/query}.
 */
final class DashboardQueries {

    static final Path DASHBOARDS = Path.of(System.getProperty("user.dir"), "grafana", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*(\\w+)\\)$");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");

    /** One query of a dashboard; {@code id} is "uid / panel title / refId" (or "uid / variable name"). */
    record Query(String id, String expr) {
    }

    private DashboardQueries() {
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DASHBOARDS)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Every panel target's expr, raw (variables not replaced). */
    static List<Query> targets(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        collect(dashboard.path("uid").asText(), dashboard.path("panels"), out);
        return out;
    }

    private static void collect(String uid, JsonNode panels, List<Query> out) {
        for (JsonNode panel : panels) {
            for (JsonNode t : panel.path("targets")) {
                out.add(new Query(uid + " / " + panel.path("title").asText() + " / " + t.path("refId").asText(),
                        t.path("expr").asText()));
            }
            collect(uid, panel.path("panels"), out);
        }
    }

    /**
     * The query variables as instant queries: {@code label_values(sel, label)} becomes
     * {@code count by (label) (sel)}, which has a result exactly when the variable has values.
     */
    static List<Query> variables(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (!"query".equals(v.path("type").asText())) {
                continue;
            }
            String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
            Matcher m = LABEL_VALUES.matcher(q.trim());
            if (!m.matches()) {
                throw new AssertionError(dashboard.path("uid").asText() + " variable " + v.path("name").asText()
                        + ": only label_values(selector, label) is checked, got " + q);
            }
            out.add(new Query(dashboard.path("uid").asText() + " / variable " + v.path("name").asText(),
                    "count by (" + m.group(2) + ") (" + m.group(1) + ")"));
        }
        return out;
    }

    /**
     * Replaces {@code $name} and {@code ${name}} (with or without a format) by {@code values};
     * a variable the map does not know is an error, so a new one cannot slip by unreplaced.
     */
    static String substitute(String expr, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = values.get(name);
            if (value == null) {
                throw new AssertionError("no test value for the template variable $" + name + " in " + expr);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
