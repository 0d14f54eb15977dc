package dev.postino.core.delivery;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.dns.MxRecord;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/**
 * Where mail for a domain goes (RFC 5321 section 5.1): the addresses of its MX hosts in preference order, in random
 * order among hosts of equal preference; without MX records the domain itself (the implicit MX); with a null MX
 * (RFC 7505) nowhere. Each host's IPv4 addresses come before its IPv6 ones. When there is nowhere to go, the route
 * says why, as an outcome without a recipient: {@code 5.1.10} for a null MX, {@code 5.1.2} for a domain that does
 * not exist, {@code 5.4.4} when no host has an address, and a temporary failure of class {@code dns} when the DNS
 * did not answer.
 *
 * @param hosts   the addresses to try, in order; empty when {@code failure} says why
 * @param failure why there is no host (recipient empty, phase {@link SmtpPhase#CONNECT}), or null
 */
public record MxRoute(List<SmtpClient.RemoteHost> hosts, AttemptOutcome failure) {

    /** Enough for the MX lookup and the addresses of {@link DeliveryOptions#maxHosts()} hosts, twice over. */
    private static final int MAX_QUERIES = 64;

    public MxRoute {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty() == (failure == null)) {
            throw new IllegalArgumentException("a route has hosts or a failure, not both and not neither");
        }
    }

    /**
     * The route to {@code domain}: through {@code options}' smarthost when there is one, else its MX hosts on
     * {@code options}' port. At most {@link DeliveryOptions#maxHosts()} addresses.
     */
    public static MxRoute resolve(DnsClient dns, String domain, DeliveryOptions options, RandomGenerator random, Instant now) {
        DnsBudget budget = DnsBudget.of(MAX_QUERIES, options.dnsTimeBudget());
        Smarthost smarthost = options.smarthost();
        if (smarthost != null) {
            List<String> names = List.of(smarthost.host());
            Lookup lookup = addresses(dns, names, smarthost.port(), budget, options.maxHosts());
            return lookup.hosts.isEmpty()
                // A smarthost without an address is this server's problem, not the recipient's: never bounce for it.
                ? failure(FailureClass.DNS, "no address for the smarthost " + smarthost.host() + lookup.reasons(), now)
                : new MxRoute(lookup.hosts, null);
        }
        DnsResult<MxRecord> mx = dns.mx(domain, budget).join();
        List<String> exchanges;
        switch (mx.kind()) {
            case RECORDS -> {
                List<MxRecord> records = mx.values().stream().filter(r -> !isNullMx(r)).toList();
                if (records.isEmpty()) {
                    return permanent(new EnhancedStatusCode(5, 1, 10),
                        domain + " accepts no mail: it publishes a null MX (RFC 7505)", now);
                }
                exchanges = ordered(records, random);
            }
            case NODATA -> exchanges = List.of(domain.toLowerCase(Locale.ROOT));
            case NXDOMAIN, INVALID_NAME -> {
                return permanent(new EnhancedStatusCode(5, 1, 2), "the domain " + domain + " does not exist ("
                    + mx.reason() + ")", now);
            }
            default -> {
                return failure(FailureClass.DNS, "MX lookup of " + domain + " failed: " + reason(mx, domain), now);
            }
        }
        Lookup lookup = addresses(dns, exchanges, options.port(), budget, options.maxHosts());
        if (!lookup.hosts.isEmpty()) {
            return new MxRoute(lookup.hosts, null);
        }
        if (lookup.temporary) {
            return failure(FailureClass.DNS, "no address for the mail hosts of " + domain + lookup.reasons(), now);
        }
        return permanent(new EnhancedStatusCode(5, 4, 4), "no address for the mail hosts of " + domain + " ("
            + String.join(", ", exchanges) + ")" + lookup.reasons(), now);
    }

    private static boolean isNullMx(MxRecord record) {
        return record.exchange().isEmpty() || record.exchange().equals(".");
    }

    /** By preference, shuffled among equals so that load spreads as the domain intends. */
    static List<String> ordered(List<MxRecord> records, RandomGenerator random) {
        List<MxRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
        shuffled.sort(Comparator.comparingInt(MxRecord::preference));
        List<String> names = new ArrayList<>();
        for (MxRecord record : shuffled) {
            if (!names.contains(record.exchange())) {
                names.add(record.exchange());
            }
        }
        return names;
    }

    private record Lookup(List<SmtpClient.RemoteHost> hosts, boolean temporary, List<String> problems) {
        String reasons() {
            return problems.isEmpty() ? "" : ": " + String.join("; ", problems);
        }
    }

    /** The addresses of {@code names}, in order, all looked up at once. */
    private static Lookup addresses(DnsClient dns, List<String> names, int port, DnsBudget budget, int max) {
        List<CompletableFuture<DnsResult<InetAddress>>> v4 = new ArrayList<>();
        List<CompletableFuture<DnsResult<InetAddress>>> v6 = new ArrayList<>();
        for (String name : names) {
            boolean literal = IpLiteral.tryParse(name).isPresent();
            v4.add(literal ? null : dns.a(name, budget));
            v6.add(literal ? null : dns.aaaa(name, budget));
        }
        List<SmtpClient.RemoteHost> hosts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean temporary = false;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (v4.get(i) == null) {
                hosts.add(new SmtpClient.RemoteHost(name, IpLiteral.tryParse(name).orElseThrow(), port));
                continue;
            }
            DnsResult<InetAddress> a = v4.get(i).join();
            DnsResult<InetAddress> aaaa = v6.get(i).join();
            for (DnsResult<InetAddress> result : List.of(a, aaaa)) {
                result.values().forEach(address -> hosts.add(new SmtpClient.RemoteHost(name, address, port)));
            }
            if (!a.hasRecords() && !aaaa.hasRecords()) {
                boolean failed = !a.isEmptyAnswer() || !aaaa.isEmptyAnswer();
                temporary |= failed;
                problems.add(name + ": " + (failed ? reason(a.isEmptyAnswer() ? aaaa : a, name) : "no A or AAAA record"));
            }
        }
        return new Lookup(hosts.size() > max ? hosts.subList(0, max) : hosts, temporary, problems);
    }

    /** The DNS client's reason without the question it repeats ({@code example.com. MX: SERVFAIL ...}): the text names it. */
    private static String reason(DnsResult<?> result, String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return result.reason().replaceFirst("^(?i)" + Pattern.quote(trimmed) + "\\.? [A-Z0-9]+: ", "");
    }

        private static MxRoute failure(FailureClass kind, String text, Instant now) {
        return new MxRoute(List.of(), AttemptOutcome.temporary("", kind, text, "", SmtpPhase.CONNECT, now));
    }

    private static MxRoute permanent(EnhancedStatusCode status, String text, Instant now) {
        return new MxRoute(List.of(), AttemptOutcome.permanent("", status, text, "", SmtpPhase.CONNECT, now));
    }
}
