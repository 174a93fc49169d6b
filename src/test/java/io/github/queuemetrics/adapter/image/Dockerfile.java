package io.github.queuemetrics.adapter.image;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The repository's Dockerfile read as its instructions (line continuations joined, comments left
 * out), so tests can check it and run what it runs without Docker (the memory bench runs its flags).
 */
public record Dockerfile(List<Instruction> instructions) {

    static final Path FILE = Path.of(System.getProperty("user.dir"), "Dockerfile");

    /** One instruction: {@code FROM}, {@code COPY}, ... and the rest of its line. */
    record Instruction(String keyword, String arguments, int stage) {

        /** An exec-form (JSON array) argument list; empty when the instruction uses the shell form. */
        Optional<List<String>> execForm() {
            if (!arguments.startsWith("[")) {
                return Optional.empty();
            }
            List<String> list = new ArrayList<>();
            new JsonArray(arguments).forEach(o -> list.add((String) o));
            return Optional.of(list);
        }
    }

    public static Dockerfile read() throws IOException {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int stage = -1;
        for (String line : Files.readAllLines(FILE)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            current.setLength(0);
            int space = text.indexOf(' ');
            String keyword = text.substring(0, space).toUpperCase(Locale.ROOT);
            if (keyword.equals("FROM")) {
                stage++;
            }
            instructions.add(new Instruction(keyword, text.substring(space + 1).strip(), stage));
        }
        return new Dockerfile(instructions);
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The instructions of the last stage (the image). */
    List<Instruction> finalStage() {
        int last = all("FROM").size() - 1;
        return instructions.stream().filter(i -> i.stage() == last).toList();
    }

    List<String> entrypoint() {
        return finalStage().stream().filter(i -> i.keyword().equals("ENTRYPOINT")).reduce((a, b) -> b).orElseThrow()
                .execForm().orElseThrow(() -> new AssertionError("ENTRYPOINT is not in exec form"));
    }

    List<String> cmd() {
        return finalStage().stream().filter(i -> i.keyword().equals("CMD")).reduce((a, b) -> b)
                .flatMap(Instruction::execForm).orElse(List.of());
    }

    /** {@code ENV} of the final stage, {@code KEY=value} pairs. */
    public List<String[]> env() {
        List<String[]> env = new ArrayList<>();
        for (Instruction i : finalStage()) {
            if (i.keyword().equals("ENV")) {
                for (String pair : i.arguments().split("\\s+")) {
                    env.add(pair.split("=", 2));
                }
            }
        }
        return env;
    }

    /** The JVM options of the entrypoint: between {@code java} and {@code -jar}. */
    public List<String> jvmFlags() {
        List<String> entrypoint = entrypoint();
        return entrypoint.subList(1, entrypoint.indexOf("-jar"));
    }
}
