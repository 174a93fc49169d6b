package io.github.queuemetrics.adapter.config;

import java.net.URI;
import java.util.regex.Pattern;

/** Keeps passwords out of logs, error messages and {@code --check-config} output. */
public final class Secrets {

    /** userinfo of any scheme://user:password@ URI inside free text. */
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(?<=://)([^:/@\\s]*):([^@/\\s]*)@");

    private Secrets() {
    }

    /** The URI with its password replaced by {@code ***}; null stays null. */
    public static String redact(URI uri) {
        return uri == null ? null : redact(uri.toString());
    }

    /** Replaces the password of every {@code scheme://user:password@} in {@code text}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        return USERINFO_PASSWORD.matcher(text).replaceAll("$1:***@");
    }
}
