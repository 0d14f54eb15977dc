package dev.postino.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.authresults.AuthenticationResultsField;
import dev.postino.core.authresults.MessageAuthenticator;
import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcOptions;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;

/**
 * {@code postino auth --ip IP --mail-from ADDR --helo NAME [--authserv-id ID] FILE}: SPF, DKIM and DMARC together,
 * as the authentication mailet runs them, and the Authentication-Results field it would add. The authserv-id
 * defaults to the local host name, as the mailet's does. The message is read as the mailet reads what James
 * received ({@link dev.postino.core.mime.HeaderSectionReader}), so both give the same verdicts on the same octets.
 * Addition to the contract: {@code --dmarc-mode rfc7489} selects the legacy Public Suffix List mode.
 */
final class AuthCommand implements Command {

    @Override
    public String name() {
        return "auth";
    }

    @Override
    public String usage() {
        return "postino auth --ip IP --mail-from ADDR --helo NAME [--authserv-id ID] [--dmarc-mode rfc9989|rfc7489]"
            + " [--dns HOST:PORT,...] [--json] FILE";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        List<String> words = arguments.positionals();
        if (words.size() != 1) {
            throw new UsageException("expected one message FILE (or - for standard input)");
        }
        InetAddress ip;
        try {
            ip = IpLiteral.parse(arguments.required("ip"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ip: " + e.getMessage());
        }
        String mailFrom = arguments.required("mail-from");
        String helo = arguments.required("helo");
        String authservId = arguments.value("authserv-id") == null ? LocalHostName.get() : arguments.value("authserv-id");
        DmarcOptions.Mode mode = switch (arguments.value("dmarc-mode") == null ? "rfc9989" : arguments.value("dmarc-mode")) {
            case "rfc9989" -> DmarcOptions.Mode.RFC9989;
            case "rfc7489" -> DmarcOptions.Mode.RFC7489;
            default -> throw new UsageException("--dmarc-mode: expected rfc9989 or rfc7489");
        };
        byte[] message;
        try {
            message = Arguments.readMessage(words.get(0), terminal.in());
        } catch (IOException e) {
            throw new UsageException("cannot read " + words.get(0) + ": " + e.getMessage());
        }
        MessageAuthenticator.Outcome outcome;
        try (DnsClient client = DnsClient.create(DnsOption.config(arguments))) {
            MessageAuthenticator authenticator = new MessageAuthenticator(new SpfEvaluator(client),
                new DkimVerifier(client, DkimOptions.defaults()),
                new DmarcEvaluator(client, DmarcOptions.defaults().withMode(mode)));
            outcome = authenticator.authenticate(ip, mailFrom, helo, new ByteArrayInputStream(message));
        }
        String field = AuthenticationResultsField.NAME + ": " + outcome.field(authservId).value();
        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("spf", SpfCommand.json(outcome.spf()));
            json.put("dkim", DkimCommand.json(outcome.dkim()));
            json.put("dmarc", dmarc(outcome.dmarc()));
            json.put("authentication_results", field);
            terminal.out().println(Json.write(json));
        } else {
            terminal.out().println(field);
        }
        return 0;
    }

    private static Map<String, Object> dmarc(DmarcResult result) {
        Map<String, Object> json = Json.object();
        json.put("result", result.verdict().keyword());
        json.put("header_from", result.headerFrom());
        json.put("policy_domain", result.policyDomain());
        json.put("policy", result.policy().keyword());
        json.put("disposition", result.disposition().keyword());
        json.put("reason", result.reason());
        return json;
    }


    static Set<String> valuedOptions() {
        return Set.of("ip", "mail-from", "helo", "authserv-id", "dmarc-mode", "dns");
    }
}
