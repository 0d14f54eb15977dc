package dev.postino.cli;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;

/**
 * {@code postino spf --ip IP --mail-from ADDR --helo NAME}: the SPF verdict the mailet would compute for the
 * MAIL FROM identity (an empty {@code --mail-from} is the null reverse-path: {@code postmaster@NAME} is checked).
 */
final class SpfCommand implements Command {

    @Override
    public String name() {
        return "spf";
    }

    @Override
    public String usage() {
        return "postino spf --ip IP --mail-from ADDR --helo NAME [--dns HOST:PORT,...] [--json]";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        if (!arguments.positionals().isEmpty()) {
            throw new UsageException("unexpected argument '" + arguments.positionals().get(0) + "'");
        }
        InetAddress ip;
        try {
            ip = IpLiteral.parse(arguments.required("ip"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ip: " + e.getMessage());
        }
        SpfRequest request = SpfRequest.mailFrom(ip, arguments.required("mail-from"), arguments.required("helo"));
        try (DnsClient client = DnsClient.create(DnsOption.config(arguments))) {
            SpfResult result = new SpfEvaluator(client).evaluateBlocking(request);
            if (arguments.flag("json")) {
                terminal.out().println(Json.write(json(result)));
            } else {
                terminal.out().println("result: " + result.verdict().keyword());
                terminal.out().println("domain: " + result.domain());
                if (!result.explanation().isEmpty()) {
                    terminal.out().println("explanation: " + result.explanation());
                }
                terminal.out().println("reason: " + result.reason());
                terminal.out().println("dns lookups: " + result.dnsLookups());
            }
            return 0;
        }
    }

    /** The contract's JSON object for one SPF result (also inside {@code postino auth}'s output). */
    static Map<String, Object> json(SpfResult result) {
        Map<String, Object> json = Json.object();
        json.put("result", result.verdict().keyword());
        json.put("explanation", result.explanation());
        json.put("domain", result.domain());
        json.put("dns_lookups", result.dnsLookups());
        return json;
    }

    static Set<String> valuedOptions() {
        return Set.of("ip", "mail-from", "helo", "dns");
    }
}
