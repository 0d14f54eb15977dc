package dev.postino.cli;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsRecordType;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.dns.MxRecord;

/**
 * {@code postino dns TYPE NAME}: one lookup through Postino's own DNS client, to see what the engines see
 * (which resolver, which answer, NXDOMAIN vs NODATA vs a temporary failure).
 */
final class DnsCommand implements Command {

    @Override
    public String name() {
        return "dns";
    }

    @Override
    public String usage() {
        return "postino dns [--dns HOST:PORT,...] [--json] A|AAAA|MX|TXT|PTR NAME-OR-ADDRESS";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        List<String> words = arguments.positionals();
        if (words.size() != 2) {
            throw new UsageException("expected a record type and a name, e.g. 'TXT example.com'");
        }
        String type = words.get(0).toUpperCase(Locale.ROOT);
        String name = words.get(1);
        try (DnsClient client = DnsClient.create(DnsOption.config(arguments))) {
            DnsBudget budget = DnsBudget.of(1, Duration.ofSeconds(30));
            DnsResult<?> result = switch (type) {
                case "A" -> client.lookup(name, DnsRecordType.A, budget).join();
                case "AAAA" -> client.lookup(name, DnsRecordType.AAAA, budget).join();
                case "MX" -> client.lookup(name, DnsRecordType.MX, budget).join();
                case "TXT" -> client.lookup(name, DnsRecordType.TXT, budget).join();
                case "PTR" -> client.ptr(address(name), budget).join();
                default -> throw new UsageException("unknown record type '" + words.get(0) + "': expected A, AAAA, MX, TXT or PTR");
            };
            List<String> values = new ArrayList<>();
            for (Object value : result.values()) {
                values.add(value instanceof InetAddress a ? a.getHostAddress()
                    : value instanceof MxRecord mx ? mx.preference() + " " + mx.exchange() : value.toString());
            }
            if (arguments.flag("json")) {
                Map<String, Object> json = Json.object();
                json.put("name", name);
                json.put("type", type);
                json.put("result", result.kind().name().toLowerCase(Locale.ROOT));
                json.put("records", values);
                json.put("ttl", result.ttl().toSeconds());
                json.put("reason", result.reason());
                json.put("servers", client.servers().stream().map(s -> s.getAddress().getHostAddress() + ":" + s.getPort()).toList());
                terminal.out().println(Json.write(json));
            } else if (result.hasRecords()) {
                values.forEach(v -> terminal.out().println(name + " " + result.ttl().toSeconds() + " " + type + " " + v));
            } else {
                terminal.out().println(name + " " + type + ": " + result.kind().name().toLowerCase(Locale.ROOT) + " (" + result.reason() + ")");
            }
            return 0;
        }
    }

    private static InetAddress address(String text) throws UsageException {
        if (!text.matches("[0-9A-Fa-f:.]+")) {
            throw new UsageException("PTR takes an IP address, not '" + text + "'");
        }
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("PTR takes an IP address, not '" + text + "'");
        }
    }

    static Set<String> valuedOptions() {
        return Set.of("dns");
    }
}
