package io.github.queuemetrics.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.queuemetrics.adapter.tls.BrokerTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code tls:} mapping of a source: {@code tls: {caFile: /etc/qma/ca.pem}}. It applies to
 * every TLS connection of the source ({@code amqps://}, {@code https://} management API,
 * {@code rediss://}); TLS itself is switched on by those schemes. The CA file is read here, so a
 * missing or unreadable file is a configuration error at start, not a failing poll later.
 */
final class ConfigTls {

    static final List<String> KEYS = List.of("caFile");
    private static final Set<String> TLS_SCHEMES = Set.of("amqps", "https", "rediss");

    private ConfigTls() {
    }

    /** True for amqps://, https:// and rediss://; false for null. */
    static boolean usesTls(URI uri) {
        return uri != null && uri.getScheme() != null && TLS_SCHEMES.contains(uri.getScheme().toLowerCase());
    }

    /**
     * The CA file of {@code tls.caFile}, empty when there is none (the JVM's trust store) or it is
     * invalid (then a problem has been recorded).
     *
     * @param uris      the source's URIs that are set and valid: a {@code tls:} block with none of
     *                  them using TLS is an error (the user believes the connection is encrypted)
     * @param urisValid false when a URI of the source was reported invalid (then nothing is said
     *                  about which of them use TLS)
     */
    static Optional<Path> caFile(Fields source, List<URI> uris, boolean urisValid) {
        if (!source.has("tls")) {
            return Optional.empty();
        }
        JsonNode node = source.node("tls");
        if (!node.isObject()) {
            source.problem("tls", Fields.mustBe(node, "a mapping such as {caFile: /etc/qma/ca.pem}"));
            return Optional.empty();
        }
        Fields tls = new Fields(node, source.path("tls"), source.problems());
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                tls.problem(key, "unknown key" + KeySuggestions.closest(key, KEYS)
                        .map(s -> "; did you mean " + s + "?").orElse("; the only key is caFile"));
            }
        }
        // An empty caFile (caFile: ${CA_FILE:-}) means "the JVM's trust store", like an absent one.
        Optional<Path> caFile = tls.string("caFile", false, "the path of a PEM file of CA certificates")
                .map(Path::of);
        if (caFile.isPresent()) {
            try {
                BrokerTls.readCaFile(caFile.get());
            } catch (IOException e) {
                tls.problem("caFile", e.getMessage());
                return Optional.empty();
            }
        }
        if (urisValid && uris.stream().noneMatch(ConfigTls::usesTls)
                && !source.problems().hasUnder(source.path("tls"))) {
            source.problem("tls", "none of this source's URIs uses TLS: write amqps://, https:// or rediss:// "
                    + "(tls only says which CAs to trust)");
            return Optional.empty();
        }
        return caFile;
    }
}
