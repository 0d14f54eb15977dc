package dev.postino.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.suppression.SuppressionEntry;
import dev.postino.core.suppression.SuppressionList;

/**
 * {@code postino suppression list|add|remove}: the suppression list the mailets use. Additions to the contract:
 * {@code list --offset N --limit N} (default: every entry), {@code add --expires ISO-8601} or {@code --days N}
 * (default: no expiry), and the entry's {@code diagnostic} in the JSON.
 */
final class SuppressionCommand implements Command {

    static Set<String> valuedOptions() {
        return Set.of("store", "reason", "offset", "limit", "expires", "days");
    }

    @Override
    public String name() {
        return "suppression";
    }

    @Override
    public String usage() {
        return "postino suppression list|add ADDRESS --reason TEXT [--expires ISO-8601|--days N]|remove ADDRESS [--store URL] [--json]";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        List<String> words = arguments.positionals();
        if (words.isEmpty()) {
            throw new UsageException("expected list, add ADDRESS or remove ADDRESS", true);
        }
        String action = words.get(0);
        switch (action) {
            case "list" -> expectWords(words, 1);
            case "add", "remove" -> expectWords(words, 2);
            default -> throw new UsageException("unknown subcommand '" + action + "': expected list, add or remove", true);
        }
        String address = null;
        if (words.size() == 2) {
            try {
                address = SuppressionEntry.normalize(words.get(1));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Optional<Instant> expires = expires(arguments);
        String reason = action.equals("add") ? arguments.required("reason") : null;
        try (PostinoStore store = StoreOption.open(arguments)) {
            SuppressionList list = new SuppressionList(store, java.time.Clock.systemUTC());
            return switch (action) {
                case "list" -> list(list, arguments, terminal);
                case "add" -> {
                    SuppressionEntry entry = list.add(address, reason, expires);
                    if (arguments.flag("json")) {
                        terminal.out().println(Json.write(entry.asJsonObject()));
                    } else {
                        terminal.out().println("added " + entry.address() + " (" + entry.reason() + ")"
                            + entry.expires().map(e -> " until " + e).orElse(", no expiry"));
                    }
                    yield 0;
                }
                default -> {
                    boolean removed = list.remove(address);
                    if (arguments.flag("json")) {
                        terminal.out().println(Json.write(Map.of("address", address, "removed", removed)));
                    } else {
                        terminal.out().println(removed ? "removed " + address : address + " was not on the suppression list");
                    }
                    yield 0;
                }
            };
        }
    }

    private static int list(SuppressionList list, Arguments arguments, Terminal terminal) throws UsageException {
        int offset = number(arguments, "offset", 0);
        int limit = number(arguments, "limit", Integer.MAX_VALUE);
        List<SuppressionEntry> entries = list.list(offset, limit);
        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("entries", entries.stream().map(SuppressionEntry::asJsonObject).toList());
            terminal.out().println(Json.write(json));
            return 0;
        }
        if (entries.isEmpty()) {
            terminal.out().println("the suppression list is empty");
        }
        for (SuppressionEntry e : entries) {
            terminal.out().println(e.address() + "  " + e.source().word() + "  " + e.reason()
                + (e.status().isEmpty() ? "" : " " + e.status()) + (e.hard() ? " (hard)" : "") + "  bounces " + e.bounces()
                + "  first " + e.first() + "  last " + e.last() + "  until " + e.expires().map(Instant::toString).orElse("removed"));
        }
        return 0;
    }

    private static void expectWords(List<String> words, int count) throws UsageException {
        if (words.size() != count) {
            throw new UsageException(count == 1 ? "'list' takes no address" : "'" + words.get(0) + "' takes one ADDRESS", true);
        }
    }

    private static Optional<Instant> expires(Arguments arguments) throws UsageException {
        String at = arguments.value("expires");
        String days = arguments.value("days");
        if (at != null && days != null) {
            throw new UsageException("--expires and --days are exclusive");
        }
        try {
            if (at != null) {
                return Optional.of(Instant.parse(at));
            }
            if (days != null) {
                int n = Integer.parseInt(days.trim());
                if (n < 1) {
                    throw new UsageException("--days must be 1 or more");
                }
                return Optional.of(Instant.now().plus(Duration.ofDays(n)));
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UsageException("--expires takes an ISO-8601 instant such as 2027-03-01T00:00:00Z, --days a whole number");
        }
        return Optional.empty();
    }

    private static int number(Arguments arguments, String name, int defaultValue) throws UsageException {
        String text = arguments.value(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException("--" + name + " takes a whole number, 0 or more");
    }
}
