package io.github.queuemetrics.adapter.config;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The {@code type: rabbitmq} connection keys of a source: {@code amqpUri}, {@code managementUri},
 * {@code vhosts} and {@code prometheusUri}. Each is empty when absent or invalid (then a problem
 * has been recorded under the source's path).
 *
 * @param vhosts the {@code vhosts:} list, else the amqpUri's vhost
 */
record RabbitMqKeys(Optional<URI> amqpUri, Optional<URI> managementUri, Optional<List<String>> vhosts,
                    Optional<URI> prometheusUri) {

    /** What a source of another type has. */
    static final RabbitMqKeys NONE = new RabbitMqKeys(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty());

    static RabbitMqKeys parse(Fields f) {
        Problems problems = f.problems();
        Optional<URI> amqpUri = f.string("amqpUri", true, "a URI such as amqp://host:5672/%2F (user:password@ before the host)")
                .flatMap(s -> ConfigUris.parse(s, List.of("amqp", "amqps"), f.path("amqpUri"), problems));
        Optional<URI> managementUri = f.string("managementUri", false, "http://host:15672")
                .flatMap(s -> ConfigUris.parse(s, List.of("http", "https"), f.path("managementUri"), problems));
        Optional<List<String>> vhosts = f.list("vhosts", false, "a non-empty list of vhost names",
                Fields.nonBlankString(problems, "a vhost name"));
        // The URI path is checked even with explicit vhosts: the AMQP connection still uses it.
        Optional<String> uriVhost = amqpUri.flatMap(u -> ConfigUris.vhost(u, f.path("amqpUri"), problems));
        if (!f.has("vhosts")) {
            vhosts = uriVhost.map(List::of);
        }
        Optional<URI> prometheusUri = f.string("prometheusUri", false,
                        "http://host:15692 (the rabbitmq_prometheus plugin)")
                .flatMap(s -> ConfigUris.parse(s, List.of("http", "https"), f.path("prometheusUri"), problems));
        if (f.has("prometheusUri") && !f.has("managementUri")) {
            // A queue missing from the scrape (not yet emitted, or on another node) is looked up there.
            f.problem("prometheusUri", "needs managementUri (queues missing from the scrape are looked up there)");
        }
        return new RabbitMqKeys(amqpUri, managementUri, vhosts, prometheusUri);
    }

    /** The URIs that are set (and valid), for the tls block's check. */
    List<URI> uris() {
        return java.util.stream.Stream.of(amqpUri, managementUri, prometheusUri).flatMap(Optional::stream).toList();
    }
}
