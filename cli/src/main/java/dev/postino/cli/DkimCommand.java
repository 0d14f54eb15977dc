package dev.postino.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dns.DnsClient;

/**
 * {@code postino dkim [--dns ...] [--json] FILE}: verifies every DKIM-Signature of one message with the engine
 * the mailet runs, with its default options, and prints one verdict per signature in header order.
 */
final class DkimCommand implements Command {

    @Override
    public String name() {
        return "dkim";
    }

    @Override
    public String usage() {
        return "postino dkim [--dns HOST:PORT,...] [--json] FILE";
    }

    @Override
    public List<String> moreUsages() {
        return List.of(DkimSignCommand.SIGN_USAGE, DkimSignCommand.KEYGEN_USAGE);
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        List<String> words = arguments.positionals();
        String mode = words.isEmpty() ? "" : words.get(0);
        if (mode.equals("sign") || mode.equals("keygen")) {
            Set<String> allowed = mode.equals("sign") ? DkimSignCommand.SIGN_OPTIONS : DkimSignCommand.KEYGEN_OPTIONS;
            String usage = mode.equals("sign") ? DkimSignCommand.SIGN_USAGE : DkimSignCommand.KEYGEN_USAGE;
            try {
                for (String name : arguments.names()) {
                    if (!allowed.contains(name)) {
                        throw new UsageException("unknown option --" + name + " for postino dkim " + mode);
                    }
                }
                return mode.equals("sign") ? DkimSignCommand.sign(arguments, words.subList(1, words.size()), terminal)
                    : DkimSignCommand.keygen(arguments, words.subList(1, words.size()), terminal);
            } catch (UsageException e) {
                // the usage line of the subcommand, not of the verifier
                throw new UsageException(e.getMessage() + (e.showUsage() ? " (usage: " + usage + ")" : ""), false);
            }
        }
        for (String name : arguments.names()) {
            if (!name.equals("dns") && !name.equals("json")) {
                throw new UsageException("unknown option --" + name);
            }
        }
        if (words.size() != 1) {
            throw new UsageException("expected one message FILE (or - for standard input)");
        }
        byte[] message;
        try {
            message = Arguments.readMessage(words.get(0), terminal.in());
        } catch (IOException e) {
            throw new UsageException("cannot read " + words.get(0) + ": " + e.getMessage());
        }
        List<DkimResult> results;
        try (DnsClient client = DnsClient.create(DnsOption.config(arguments))) {
            results = new DkimVerifier(client, DkimOptions.defaults()).verify(message);
        }
        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("signatures", json(results));
            terminal.out().println(Json.write(json));
        } else if (results.isEmpty()) {
            terminal.out().println("no DKIM-Signature header field");
        } else {
            for (DkimResult result : results) {
                terminal.out().println("dkim=" + result.verdict().word() + " header.d=" + result.domain()
                    + " header.s=" + result.selector() + " header.a=" + result.algorithm() + " header.b=" + result.headerB()
                    + (result.testing() ? " (testing)" : "") + " (" + result.reason() + ")");
            }
        }
        return 0;
    }

    /** The contract's JSON array of signatures, in header order (also inside {@code postino auth}'s output). */
    static List<Map<String, Object>> json(List<DkimResult> results) {
        List<Map<String, Object>> signatures = new ArrayList<>();
        for (DkimResult result : results) {
            Map<String, Object> entry = Json.object();
            entry.put("domain", result.domain());
            entry.put("selector", result.selector());
            entry.put("algorithm", result.algorithm());
            entry.put("result", result.verdict().word());
            entry.put("reason", result.reason());
            signatures.add(entry);
        }
        return signatures;
    }

    static Set<String> valuedOptions() {
        Set<String> valued = new java.util.TreeSet<>(Set.of("dns"));
        valued.addAll(DkimSignCommand.SIGN_OPTIONS);
        valued.addAll(DkimSignCommand.KEYGEN_OPTIONS);
        return valued;
    }
}
