package io.github.queuemetrics.adapter.manifests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Renders the repository's kustomizations with {@code kubectl kustomize}, as {@code kubectl apply -k}
 * would, from a copy of {@code manifests/} prepared as a user prepares theirs: {@code base/brokers.env}
 * and {@code examples/brokers.env} from their {@code .example} files, the serving certificate from
 * {@code certs/make-certs.sh}. Files the developer made in the working copy (certificates, env files)
 * are not copied, so every run starts from what git holds.
 */
final class Kustomize {

    /** fabric8's serializer with every model class it knows (its static Serialization is deprecated). */
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static final Path REPO = Path.of(System.getProperty("user.dir"));
    static final Path MANIFESTS = REPO.resolve("manifests");
    /** What {@code make-certs.sh} and the user write; never taken from the working copy. */
    private static final List<String> GENERATED = List.of("certs/ca.crt", "certs/ca.key", "certs/tls.crt",
            "certs/tls.key", "certs/ca.srl", "certs/tls.csr", "certs/tls.ext", "base/brokers.env", "examples/brokers.env");

    private static Path prepared;
    private static final Map<String, List<HasMetadata>> RENDERED = new ConcurrentHashMap<>();

    private Kustomize() {
    }

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

    /** A prepared copy of manifests/, made once per JVM (a certificate is made with openssl each time). */
    static synchronized Path preparedManifests() {
        if (prepared == null) {
            try {
                Path dir = Files.createTempDirectory("qma-manifests-").resolve("manifests");
                copy(MANIFESTS, dir);
                Files.copy(dir.resolve("base/brokers.env.example"), dir.resolve("base/brokers.env"));
                Files.copy(dir.resolve("examples/brokers.env.example"), dir.resolve("examples/brokers.env"));
                run(List.of("bash", dir.resolve("certs/make-certs.sh").toString()), dir);
                prepared = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return prepared;
    }

    /** Every object {@code kubectl kustomize manifests/<relative>} renders, in fabric8's model (cached). */
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

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                String relative = from.relativize(source).toString();
                if (GENERATED.contains(relative)) {
                    continue;
                }
                Path target = to.resolve(relative);
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
