package io.github.queuemetrics.adapter.cli;

import io.github.queuemetrics.adapter.config.AdapterConfig;
import io.github.queuemetrics.adapter.config.ConfigException;
import io.github.queuemetrics.adapter.config.ConfigLoader;
import java.io.PrintStream;
import java.util.Map;

/**
 * Everything Main does before starting servers: parse the command line, answer --help,
 * --version and --check-config, load the configuration, and turn every error into its output and
 * exit status. Main then only has to start the adapter when {@link Outcome#run()} is true:
 *
 * <pre>{@code
 * Startup.Outcome outcome = Startup.prepare(args, System.getenv(), System.out, System.err);
 * if (!outcome.run()) {
 *     System.exit(outcome.exitCode());
 * }
 * start(outcome.options(), outcome.config());
 * }</pre>
 */
public final class Startup {

    /**
     * @param run      true when the adapter should start with {@code options} and {@code config}
     * @param exitCode the status to exit with when {@code run} is false (0 or {@link CommandLine#EXIT_USAGE})
     * @param options  the parsed command line; null after a usage error
     * @param config   the validated configuration; null unless {@code run}
     */
    public record Outcome(boolean run, int exitCode, CommandLine.Options options, AdapterConfig config) {

        static Outcome exit(int code, CommandLine.Options options) {
            return new Outcome(false, code, options, null);
        }
    }

    private Startup() {
    }

    public static Outcome prepare(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine.Options options;
        try {
            options = CommandLine.parse(args, env);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("Run with --help to see the options.");
            return Outcome.exit(CommandLine.EXIT_USAGE, null);
        }
        if (options.help()) {
            out.print(CommandLine.helpText());
            return Outcome.exit(CommandLine.EXIT_OK, options);
        }
        if (options.version()) {
            out.println(CommandLine.versionText());
            return Outcome.exit(CommandLine.EXIT_OK, options);
        }
        AdapterConfig config;
        try {
            config = ConfigLoader.load(options.config(), env);
        } catch (ConfigException e) {
            // One line per problem, naming the field; never a password (ConfigException redacts).
            e.problems().forEach(err::println);
            return Outcome.exit(CommandLine.EXIT_USAGE, options);
        }
        if (options.checkConfig()) {
            out.print(CheckConfig.render(config));
            return Outcome.exit(CommandLine.EXIT_OK, options);
        }
        return new Outcome(true, CommandLine.EXIT_OK, options, config);
    }
}
