package io.github.queuemetrics.adapter.source.pulp;

import io.github.queuemetrics.adapter.config.PulpSettings.GroupBy;
import java.util.Arrays;
import java.util.List;

/** The statements of one poll on a current Pulp schema, for {@code PulpPollBench}'s query plans. */
public final class PulpBenchAccess {

    private PulpBenchAccess() {
    }

    /** Each statement the poll sends, with the arrival bound {@code since} written in as SQL. */
    public static List<String> pollStatements(GroupBy groupBy, boolean workers, String since) {
        PulpSchema schema = new PulpSchema(true, PulpSchema.Heartbeats.APP_STATUS, true);
        PulpCountQuery query = new PulpCountQuery(schema, groupBy, workers ? new PulpWorkerQuery(schema, groupBy) : null);
        return Arrays.stream(query.sql().replace("CAST(? AS timestamptz)", since).split(";\n")).toList();
    }
}
