package io.github.queuemetrics.adapter.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.queuemetrics.adapter.image.Dockerfile.Instruction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Dockerfile's properties (Docker itself is not on the build machine: ImageLayoutIT runs its command). */
class DockerfileTest {

    final Dockerfile dockerfile = readDockerfile();

    static Dockerfile readDockerfile() {
        try {
            return Dockerfile.read();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void mavenBuildsThenAJreRuns() {
        List<Instruction> from = dockerfile.all("FROM");
        assertThat(from).hasSize(2);
        assertThat(from.get(0).arguments()).startsWith("maven:").contains("AS build");
        assertThat(from.get(1).arguments()).contains("-jre").doesNotContain("jdk").doesNotContain("maven");
        // Nothing of the build stage but the jar and lib/ reaches the image.
        assertThat(dockerfile.finalStage()).filteredOn(i -> i.keyword().equals("COPY")
                && i.arguments().startsWith("--from=")).extracting(Instruction::arguments).allSatisfy(a ->
                assertThat(a).startsWith("--from=build /src/target/").matches(".*/target/(lib/|queue-metrics-adapter\\.jar) .*"));
    }

    @Test
    void theDependenciesAreLayeredBeforeTheCode() {
        List<Instruction> build = dockerfile.instructions().stream().filter(i -> i.stage() == 0).toList();
        int pom = indexOf(build, "COPY", "pom.xml");
        int resolve = indexOf(build, "RUN", "dependency:go-offline");
        int sources = indexOf(build, "COPY", "src");
        assertThat(pom).isLessThan(resolve);
        assertThat(resolve).isLessThan(sources);
        List<Instruction> image = dockerfile.finalStage();
        assertThat(indexOf(image, "COPY", "/target/lib/")).isLessThan(indexOf(image, "COPY", "queue-metrics-adapter.jar"));
    }

    @Test
    void itRunsAsANumericNonRootUser() {
        List<Instruction> users = dockerfile.finalStage().stream().filter(i -> i.keyword().equals("USER")).toList();
        assertThat(users).isNotEmpty();
        String user = users.get(users.size() - 1).arguments();
        assertThat(user).matches("[0-9]+(:[0-9]+)?");
        assertThat(user.split(":")).allSatisfy(id -> assertThat(Integer.parseInt(id)).isPositive());
        // The Deployment runs the same user (its securityContext).
        assertThat(user.split(":")[0]).isEqualTo("65532");
    }

    @Test
    void theEntrypointIsExecFormAndSizesTheHeapFromTheContainerLimit() {
        List<String> entrypoint = dockerfile.entrypoint();
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).containsSubsequence("-jar", "/app/queue-metrics-adapter.jar");
        List<String> flags = dockerfile.jvmFlags();
        assertThat(flags).anySatisfy(f -> assertThat(f).startsWith("-XX:MaxRAMPercentage="));
        // A fixed heap would ignore the container's limit.
        assertThat(flags).noneMatch(f -> f.startsWith("-Xmx") || f.startsWith("-XX:MaxRAM=") || f.startsWith("-Xms"));
        assertThat(flags).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(dockerfile.cmd()).singleElement().asString().startsWith("--config=");
    }

    @Test
    void noHealthcheckButOciLabelsAndTheContractsPorts() {
        assertThat(dockerfile.all("HEALTHCHECK")).isEmpty();
        String labels = String.join(" ", dockerfile.finalStage().stream().filter(i -> i.keyword().equals("LABEL"))
                .map(Instruction::arguments).toList());
        assertThat(labels).contains("org.opencontainers.image.title=", "org.opencontainers.image.version=",
                "org.opencontainers.image.revision=", "org.opencontainers.image.description=");
        assertThat(dockerfile.all("EXPOSE")).singleElement().satisfies(e ->
                assertThat(e.arguments().split("\\s+")).containsExactlyInAnyOrder("6443", "8080"));
    }

    @Test
    void everyJvmFlagIsExplainedInTheReadme() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"));
        assertThat(dockerfile.jvmFlags()).allSatisfy(f -> assertThat(readme).contains("| `" + f + "` |"));
        assertThat(dockerfile.env()).allSatisfy(e -> assertThat(readme).contains("`" + e[0] + "=" + e[1] + "`"));
    }

    private static int indexOf(List<Instruction> instructions, String keyword, String text) {
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).keyword().equals(keyword) && instructions.get(i).arguments().contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no " + keyword + " with " + text);
    }
}
