package dev.postino.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code postino} command: administrators try the engines the mailets run, on one message, before
 * they change a live server. Its flags and {@code --json} output are a contract
 * ({@code ../shared/docs/cli-contract.md}): add to them, never rename or remove.
 * Exit status: 0 when the evaluation ran, 2 for a usage or input error, 1 for an internal error.
 */
public final class Postino {

    /** Each subcommand with the options that take a value; {@code --json} is a flag everywhere. */
    private static final Map<Command, Set<String>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put(new DnsCommand(), DnsCommand.valuedOptions());
        COMMANDS.put(new SpfCommand(), SpfCommand.valuedOptions());
        COMMANDS.put(new DkimCommand(), DkimCommand.valuedOptions());
        COMMANDS.put(new AuthCommand(), AuthCommand.valuedOptions());
        COMMANDS.put(new RetryCommand(), RetryCommand.valuedOptions());
        COMMANDS.put(new NdrCommand(Clock.systemDefaultZone()), NdrCommand.valuedOptions());
        COMMANDS.put(new DmarcReportCommand(), DmarcReportCommand.valuedOptions());
        COMMANDS.put(new BounceCommand(), BounceCommand.valuedOptions());
        COMMANDS.put(new SuppressionCommand(), SuppressionCommand.valuedOptions());
        COMMANDS.put(new BounceRatesCommand(), BounceRatesCommand.valuedOptions());
    }

    private Postino() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new Terminal(System.in, System.out, System.err)));
    }

    static int run(String[] args, Terminal terminal) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            printHelp(args.length == 0 ? terminal.err() : terminal.out());
            return args.length == 0 ? 2 : 0;
        }
        for (Map.Entry<Command, Set<String>> entry : COMMANDS.entrySet()) {
            Command command = entry.getKey();
            if (command.name().equals(args[0])) {
                try {
                    List<String> rest = Arrays.asList(args).subList(1, args.length);
                    return command.run(Arguments.parse(rest, entry.getValue(), Set.of("json")), terminal);
                } catch (UsageException e) {
                    // the contract: one line on standard error saying what is wrong
                    terminal.err().println("postino " + command.name() + ": " + e.getMessage()
                        + (e.showUsage() ? " (usage: " + command.usage() + ")" : ""));
                    return 2;
                } catch (Exception | Error e) {
                    terminal.err().println("postino " + command.name() + ": internal error: " + e);
                    return 1;
                }
            }
        }
        terminal.err().println("postino: unknown command '" + args[0] + "'");
        printHelp(terminal.err());
        return 2;
    }

    private static void printHelp(PrintStream out) {
        out.println("usage: postino COMMAND [OPTIONS]");
        out.println("  postino run          start James with Postino and conf-samples/ on loopback (see README)");
        for (Command command : COMMANDS.keySet()) {
            out.println("  " + command.usage());
            command.moreUsages().forEach(line -> out.println("  " + line));
        }
    }

    /** For tests: runs with the given standard input and captured output. */
    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        return run(args.toArray(String[]::new), new Terminal(in, out, err));
    }
}
