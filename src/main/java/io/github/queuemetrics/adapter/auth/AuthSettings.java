package io.github.queuemetrics.adapter.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The trust configuration of ConfigMap {@code kube-system/extension-apiserver-authentication}, as
 * kube-apiserver publishes it for aggregated API servers. Lists are JSON arrays in the ConfigMap.
 *
 * @param requestHeaderCas CAs of the front proxy's client certificate; empty: headers never trusted
 * @param allowedNames     CNs the front proxy's certificate may have; empty: any
 * @param usernameHeaders  e.g. X-Remote-User; the first non-empty one names the user
 * @param uidHeaders       e.g. X-Remote-Uid
 * @param groupHeaders     e.g. X-Remote-Group, one value per group
 * @param extraPrefixes    e.g. X-Remote-Extra-
 * @param clientCas        CAs of users' client certificates (user = CN, groups = O)
 */
public record AuthSettings(List<X509Certificate> requestHeaderCas, List<String> allowedNames,
                           List<String> usernameHeaders, List<String> uidHeaders, List<String> groupHeaders,
                           List<String> extraPrefixes, List<X509Certificate> clientCas) {

    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "extension-apiserver-authentication";
    /** Before the ConfigMap is read, or without it: no certificate is trusted, tokens still work. */
    public static final AuthSettings EMPTY = new AuthSettings(List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of());

    public AuthSettings {
        requestHeaderCas = List.copyOf(requestHeaderCas);
        allowedNames = List.copyOf(allowedNames);
        usernameHeaders = List.copyOf(usernameHeaders);
        uidHeaders = List.copyOf(uidHeaders);
        groupHeaders = List.copyOf(groupHeaders);
        extraPrefixes = List.copyOf(extraPrefixes);
        clientCas = List.copyOf(clientCas);
    }

    /**
     * Reads the ConfigMap's data.
     *
     * @throws IllegalArgumentException naming the key whose value is not a PEM bundle or a JSON array
     */
    public static AuthSettings fromConfigMap(Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        return new AuthSettings(
                certificates(d, "requestheader-client-ca-file"),
                strings(d, "requestheader-allowed-names"),
                strings(d, "requestheader-username-headers"),
                strings(d, "requestheader-uid-headers"),
                strings(d, "requestheader-group-headers"),
                strings(d, "requestheader-extra-headers-prefix"),
                certificates(d, "client-ca-file"));
    }

    /** True when a front proxy can be trusted at all: a CA and a username header. */
    boolean requestHeaderEnabled() {
        return !requestHeaderCas.isEmpty() && !usernameHeaders.isEmpty();
    }

    private static List<X509Certificate> certificates(Map<String, String> data, String key) {
        String pem = data.get(key);
        if (pem == null || pem.isBlank()) {
            return List.of();
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var c : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(NAME + " " + key + ": no certificate in the PEM");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(NAME + " " + key + ": not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(Map<String, String> data, String key) {
        String json = data.get(key);
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            for (Object o : new JsonArray(json)) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException(NAME + " " + key + ": not a JSON array of strings: " + json);
                }
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
            return out;
        } catch (DecodeException e) {
            throw new IllegalArgumentException(NAME + " " + key + ": not a JSON array: " + json, e);
        }
    }
}
