package io.github.queuemetrics.adapter.manifests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders the repository's kustomizations with {@code kubectl kustomize}, as {@code kubectl apply -k}
 * would, from copies of {@code manifests/} holding only what a clone of the repository holds (the
 * files git tracks or would track; nothing git ignores, so no certificate or env file the developer
 * made). {@link #freshCheckout()} is that copy as it comes; {@link #preparedManifests()} is prepared
 * as the README's install prepares it: the serving certificate from {@code certs/make-certs.sh}.
 * The secrets the user creates with kubectl are in {@link #USER_MADE}.
 */
final class Kustomize {

    /** fabric8's serializer with every model class it knows (its static Serialization is deprecated). */
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static final Path REPO = Path.of(System.getProperty("user.dir"));
    static final Path MANIFESTS = REPO.resolve("manifests");

    /**
     * The Secrets the install refers to but does not render, which the user creates with
     * {@code kubectl create secret generic NAME --from-env-file=brokers.env} (README, "Install"), and
     * the example file (relative to manifests/) whose keys they have.
     */
    static final Map<String, String> USER_MADE = Map.of(
            "Secret/queue-metrics/queue-metrics-adapter-brokers", "base/brokers.env.example",
            "Secret/workers/celery-broker", "examples/brokers.env.example");

    private static Path fresh;
    private static Path prepared;
    private static final Map<String, List<HasMetadata>> RENDERED = new ConcurrentHashMap<>();

    /** kubectl: {@code KUBECTL}, else /usr/bin/kubectl, else the PATH; a clear failure when there is none. */
    static String kubectl() {
        String env = System.getenv("KUBECTL");
        if (env != null && !env.isBlank()) {
            if (!Files.isExecutable(Path.of(env))) {
                throw new AssertionError("KUBECTL=" + env + " is not an executable file");
            }
            return env;
        }
        if (Files.isExecutable(Path.of("/usr/bin/kubectl"))) {
            return "/usr/bin/kubectl";
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Path.of(dir, "kubectl").toString();
            }
        }
        throw new AssertionError("kubectl is needed to render manifests/ (kubectl kustomize) and was not found: "
                + "not in KUBECTL, /usr/bin/kubectl or the PATH. Install a kubectl whose kustomize has "
                + "components and replacements (tested with 1.32; Debian 12's kubernetes-client 1.20 is too old).");
    }

    /** A copy of manifests/ as a fresh clone has it (made once per JVM). */
    static synchronized Path freshCheckout() {
        if (fresh == null) {
            fresh = copyOfWhatGitHolds();
        }
        return fresh;
    }

    /** A copy of manifests/ with the serving certificate made by make-certs.sh (once per JVM). */
    static synchronized Path preparedManifests() {
        if (prepared == null) {
            Path dir = copyOfWhatGitHolds();
            run(List.of("bash", dir.resolve("certs/make-certs.sh").toString()), dir);
            prepared = dir;
        }
        return prepared;
    }

    /** The keys a user-made Secret has: those of its example env file (comments and blanks skipped). */
    static List<String> userMadeKeys(String secret) {
        try {
            return Files.readAllLines(MANIFESTS.resolve(USER_MADE.get(secret))).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).map(l -> l.substring(0, l.indexOf('='))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object {@code kubectl kustomize manifests/<relative>} renders after make-certs.sh, in fabric8's model (cached). */
    static List<HasMetadata> render(String relative) {
        return RENDERED.computeIfAbsent(relative, r -> parse(renderText(preparedManifests().resolve(r))));
    }

    static String renderText(Path dir) {
        return run(List.of(kubectl(), "kustomize", dir.toString()), dir);
    }

    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> all = new ArrayList<>();
        Object parsed = SERIALIZATION.unmarshal(yaml);
        if (parsed instanceof List<?> list) {
            list.forEach(o -> all.add((HasMetadata) o));
        } else {
            all.add((HasMetadata) parsed);
        }
        return all;
    }

    /** {@code kubectl kustomize manifests/<relative>} of a fresh clone, in fabric8's model. */
    static List<HasMetadata> renderFresh(String relative) {
        return parse(renderText(freshCheckout().resolve(relative)));
    }

    /** Runs a command in {@code dir}; its stdout, or an AssertionError with everything it said. */
    static String run(List<String> command, Path dir) {
        try {
            Path out = Files.createTempFile("qma-cmd-", ".out");
            Path err = Files.createTempFile("qma-cmd-", ".err");
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within 60 s");
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            Files.delete(out);
            Files.delete(err);
            if (p.exitValue() != 0) {
                throw new AssertionError(command + " exited " + p.exitValue() + ":\n" + stderr + stdout);
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * manifests/ as git lists it: tracked files and untracked ones git does not ignore (so a file
     * added but not yet committed counts, a generated certificate does not).
     */
    static Path copyOfWhatGitHolds() {
        try {
            Path root = Files.createTempDirectory("qma-manifests-");
            String listed = run(List.of("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z",
                    "--", "manifests"), REPO);
            for (String relative : listed.split("\0")) {
                if (relative.isEmpty() || !Files.exists(REPO.resolve(relative))) {
                    continue; // deleted in the working copy, not yet from the index
                }
                Path target = root.resolve(relative);
                Files.createDirectories(target.getParent());
                Files.copy(REPO.resolve(relative), target, StandardCopyOption.COPY_ATTRIBUTES);
            }
            return root.resolve("manifests");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
