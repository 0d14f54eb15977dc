package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.dns.MxRecord;

/**
 * One SPF check: RFC 7208's check_host() with its includes and redirects, and the explanation for a fail.
 * Its steps run one after another (each starts when the previous lookup completed), so the counters need
 * no locking; it is used once and dropped.
 *
 * <p>Its cost is bounded whatever the sender and the published records: a record longer than
 * {@link SpfOptions#maxRecordLength()} is a permerror before it is parsed, parsing and every expansion are
 * linear (see {@link MacroString}), and the time limit covers the work between lookups as well as the lookups:
 * it is checked before each record, each term and each part of an expansion, and past it the check ends in
 * temperror (RFC 7208 §4.6.4).
 */
final class SpfEvaluation {

    /** Ends the check with temperror or permerror; passes up through every include and redirect (§5.2, §6.1). */
    private static final class Abort extends RuntimeException {
        final SpfVerdict verdict;

        Abort(SpfVerdict verdict, String reason) {
            super(reason, null, false, false);
            this.verdict = verdict;
        }
    }

    /** check_host()'s outcome, with the record and domain whose exp= applies to a fail (§6.2). */
    private record HostResult(SpfVerdict verdict, String mechanism, String reason, SpfRecord record, String domain) {
    }

    private final DnsClient dns;
    private final SpfOptions options;
    private final SpfRecordCache parsedRecords;
    private final SpfRequest request;
    private final DnsBudget budget;
    private final InetAddress client;
    private final byte[] clientOctets;
    private final boolean ipv4;
    /** check_host()'s {@code <sender>} and its parts, computed once: macros may ask for them thousands of times. */
    private final String sender;
    private final String localPart;
    private final String senderDomain;
    private final LongSupplier nanoTime;
    private final long deadline;
    /** Steps of CPU work done between lookups (macro values scanned, expansion output written, terms visited). */
    private long work;
    private int dnsTerms;
    private int voidLookups;
    private CompletableFuture<List<String>> validatedNames;

    SpfEvaluation(DnsClient dns, SpfOptions options, SpfRecordCache parsedRecords, SpfRequest request) {
        this(dns, options, parsedRecords, request, System::nanoTime);
    }

    /** With the clock of the time limit's CPU checks given, so tests can move time without waiting. */
    SpfEvaluation(DnsClient dns, SpfOptions options, SpfRecordCache parsedRecords, SpfRequest request, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.deadline = nanoTime.getAsLong() + options.timeLimit().toNanos();
        this.dns = dns;
        this.options = options;
        this.parsedRecords = parsedRecords;
        this.request = request;
        this.budget = DnsBudget.of(options.maxDnsQueries(), options.timeLimit());
        this.clientOctets = IpLiteral.octets(request.clientIp());
        this.client = IpLiteral.address(clientOctets);
        this.ipv4 = clientOctets.length == 4;
        this.sender = request.sender();
        this.localPart = request.localPart();
        this.senderDomain = request.domain();
    }

    /** The work done so far, in steps; for tests that hold it linear in the input. */
    long work() {
        return work;
    }

    CompletableFuture<SpfResult> run() {
        CompletableFuture<SpfResult> outcome;
        try {
            outcome = checkHost(request.domain()).thenCompose(this::finish);
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.handle((result, failure) -> result != null ? result : failed(failure));
    }

    private SpfResult failed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof Abort abort) {
            return result(abort.verdict, "", "", abort.getMessage());
        }
        // a bug of ours must still give a verdict, never an exception in the mail path
        return result(SpfVerdict.PERMERROR, "", "", "internal error: " + cause);
    }

    private SpfResult result(SpfVerdict verdict, String explanation, String mechanism, String reason) {
        return new SpfResult(request, verdict, explanation, request.domain(), budget.queriesUsed(), mechanism, reason);
    }

    private CompletableFuture<SpfResult> finish(HostResult host) {
        if (host.verdict() != SpfVerdict.FAIL) {
            return done(result(host.verdict(), "", host.mechanism(), host.reason()));
        }
        return explanation(host).thenApply(text -> result(SpfVerdict.FAIL, text, host.mechanism(), host.reason()));
    }

    // ---- check_host() (RFC 7208 §4) ----

    private CompletableFuture<HostResult> checkHost(String domain) {
        String problem = domainProblem(domain);
        if (problem != null) {
            return done(new HostResult(SpfVerdict.NONE, "", "'" + MacroString.printable(domain) + "' " + problem, null, domain));
        }
        return dns.txt(domain, budget).thenCompose(answer -> {
            List<String> spf = new ArrayList<>();
            for (String txt : records(answer, "TXT", domain, false)) {
                if (SpfRecord.isSpfRecord(txt)) {
                    spf.add(txt);
                }
            }
            if (spf.isEmpty()) {
                return done(new HostResult(SpfVerdict.NONE, "", "no SPF record at " + domain, null, domain));
            }
            if (spf.size() > 1) {
                throw permerror(domain + " publishes " + spf.size() + " SPF records; exactly one is allowed");
            }
            String text = spf.get(0);
            if (text.length() > options.maxRecordLength()) {
                throw permerror("the SPF record of " + domain + " is " + text.length() + " octets long, more than the "
                    + options.maxRecordLength() + " this receiver evaluates");
            }
            checkDeadline();
            SpfRecord record;
            try {
                record = parsedRecords.parse(text);
            } catch (SpfSyntaxException e) {
                throw permerror("the SPF record of " + domain + " is invalid: " + e.getMessage());
            }
            return directives(record, domain, 0);
        });
    }

    /** Evaluates the directives from {@code index} on, then the redirect (§4.6.2, §6.1). */
    private CompletableFuture<HostResult> directives(SpfRecord record, String domain, int index) {
        List<SpfRecord.Directive> list = record.directives();
        for (int i = index; i < list.size(); i++) {
            work++;
            checkDeadline();
            SpfRecord.Directive directive = list.get(i);
            SpfRecord.Mechanism mechanism = directive.mechanism();
            if (mechanism instanceof SpfRecord.All) {
                return done(matched(directive, record, domain));
            }
            if (mechanism instanceof SpfRecord.Ip ip) {
                if (ip.contains(clientOctets)) {
                    return done(matched(directive, record, domain));
                }
                continue;
            }
            countDnsTerm(directive.term(), domain);
            int next = i + 1;
            return matches(mechanism, domain)
                .thenCompose(hit -> hit ? done(matched(directive, record, domain)) : directives(record, domain, next));
        }
        if (record.redirect() != null) {
            countDnsTerm("redirect=" + record.redirect(), domain);
            return expandDomain(record.redirect(), domain).thenCompose(this::checkHost).thenApply(target -> {
                if (target.verdict() == SpfVerdict.NONE) {
                    throw permerror("redirect=" + MacroString.printable(record.redirect().text()) + " in " + domain
                        + " leads nowhere: " + target.reason());
                }
                return target;
            });
        }
        return done(new HostResult(SpfVerdict.NEUTRAL, "", "no mechanism matched in the SPF record of " + domain
            + " (default neutral)", record, domain));
    }

    private HostResult matched(SpfRecord.Directive directive, SpfRecord record, String domain) {
        String term = MacroString.printable(directive.term());
        return new HostResult(directive.qualifier().verdict, term,
            IpLiteral.format(client) + " matched '" + term + "' in the SPF record of " + domain, record, domain);
    }

    private CompletableFuture<Boolean> matches(SpfRecord.Mechanism mechanism, String domain) {
        if (mechanism instanceof SpfRecord.Include include) {
            return expandDomain(include.domain(), domain).thenCompose(this::checkHost).thenApply(target -> switch (target.verdict()) {
                case PASS -> true;
                case FAIL, SOFTFAIL, NEUTRAL -> false;
                default -> throw permerror("include:" + MacroString.printable(include.domain().text()) + " in " + domain
                    + " finds no policy: " + target.reason());
            });
        }
        if (mechanism instanceof SpfRecord.A a) {
            return target(a.domain(), domain).thenCompose(name -> addresses(name, true))
                .thenApply(addresses -> anyInPrefix(addresses, a.cidr4(), a.cidr6()));
        }
        if (mechanism instanceof SpfRecord.Mx mx) {
            return target(mx.domain(), domain).thenCompose(name -> dns.mx(name, budget).thenCompose(answer -> {
                List<MxRecord> exchanges = records(answer, "MX", name, true);
                if (exchanges.size() > options.maxNamesPerLookup()) {
                    throw permerror(name + " has " + exchanges.size() + " MX records, more than the "
                        + options.maxNamesPerLookup() + " an mx mechanism may look at");
                }
                List<String> hosts = new ArrayList<>();
                for (MxRecord exchange : exchanges) {
                    String host = exchange.exchange();
                    if (!host.isEmpty() && !host.equals(".")) { // a null MX names no host (RFC 7505)
                        hosts.add(host);
                    }
                }
                return anyHostInPrefix(hosts, 0, mx.cidr4(), mx.cidr6());
            }));
        }
        if (mechanism instanceof SpfRecord.Ptr ptr) {
            return target(ptr.domain(), domain).thenCompose(name -> ptrNames(true).thenCompose(names -> {
                List<String> candidates = new ArrayList<>();
                for (String candidate : names) {
                    if (isSameOrSubdomain(candidate, name)) {
                        candidates.add(candidate);
                    }
                }
                return validated(candidates, 0, new ArrayList<>(), true).thenApply(valid -> !valid.isEmpty());
            }));
        }
        if (mechanism instanceof SpfRecord.Exists exists) {
            return expandDomain(exists.domain(), domain)
                .thenCompose(name -> dns.a(name, budget).thenApply(answer -> !records(answer, "A", name, true).isEmpty()));
        }
        throw new IllegalStateException("not a DNS mechanism: " + mechanism);
    }

    private CompletableFuture<String> target(MacroString spec, String domain) {
        return spec == null ? done(domain) : expandDomain(spec, domain);
    }

    /** The client's family of addresses of {@code name}: A for IPv4 clients, AAAA for IPv6 (§5.3). */
    private CompletableFuture<List<InetAddress>> addresses(String name, boolean countsVoid) {
        CompletableFuture<DnsResult<InetAddress>> lookup = ipv4 ? dns.a(name, budget) : dns.aaaa(name, budget);
        return lookup.thenApply(answer -> records(answer, ipv4 ? "A" : "AAAA", name, countsVoid));
    }

    private boolean anyInPrefix(List<InetAddress> addresses, int cidr4, int cidr6) {
        for (InetAddress address : addresses) {
            if (IpLiteral.inPrefix(IpLiteral.octets(address), ipv4 ? cidr4 : cidr6, clientOctets)) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Boolean> anyHostInPrefix(List<String> hosts, int index, int cidr4, int cidr6) {
        if (index >= hosts.size()) {
            return done(false);
        }
        return addresses(hosts.get(index), false).thenCompose(addresses ->
            anyInPrefix(addresses, cidr4, cidr6) ? done(true) : anyHostInPrefix(hosts, index + 1, cidr4, cidr6));
    }

    /** The client address's PTR names, at most the limit; a DNS error finds none (§5.5). */
    private CompletableFuture<List<String>> ptrNames(boolean countsVoid) {
        return dns.ptr(client, budget).thenApply(answer -> {
            if (answer.isTemporaryFailure()) {
                return List.<String>of();
            }
            List<String> names = records(answer, "PTR", IpLiteral.format(client), countsVoid);
            return names.size() > options.maxNamesPerLookup() ? names.subList(0, options.maxNamesPerLookup()) : names;
        });
    }

    /** Adds to {@code valid} each name whose addresses include the client's; a name whose lookup fails is skipped (§5.5). */
    private CompletableFuture<List<String>> validated(List<String> names, int index, List<String> valid, boolean firstOnly) {
        if (index >= names.size() || (firstOnly && !valid.isEmpty())) {
            return done(valid);
        }
        String name = names.get(index);
        CompletableFuture<DnsResult<InetAddress>> lookup = ipv4 ? dns.a(name, budget) : dns.aaaa(name, budget);
        return lookup.thenCompose(answer -> {
            if (answer.kind() == DnsResult.Kind.QUERY_LIMIT) {
                throw permerror(answer.reason());
            }
            for (InetAddress address : answer.values()) {
                if (IpLiteral.inPrefix(IpLiteral.octets(address), clientOctets.length * 8, clientOctets)) {
                    valid.add(name);
                    break;
                }
            }
            return validated(names, index + 1, valid, firstOnly);
        });
    }

    // ---- macros (RFC 7208 §7) ----

    /** The target name of a domain-spec: expanded, a trailing dot dropped, cut to 253 characters (§7.3, §4.8). */
    private CompletableFuture<String> expandDomain(MacroString spec, String domain) {
        if (!spec.uses('p')) {
            return done(spec.expandDomain(letter -> macroValue(letter, domain, null), this::charge));
        }
        return validatedName(domain).thenApply(p -> spec.expandDomain(letter -> macroValue(letter, domain, p), this::charge));
    }

    /** Explanation text (§6.2), cut at {@link MacroString#MAX_TEXT} characters. */
    private CompletableFuture<String> expandText(MacroString text, String domain, MacroString.Meter meter) {
        if (!text.uses('p')) {
            return done(text.expandText(letter -> macroValue(letter, domain, null), meter));
        }
        return validatedName(domain).thenApply(p -> text.expandText(letter -> macroValue(letter, domain, p), meter));
    }

    /** Counts expansion work and ends the check past its time limit. */
    private void charge(long steps) {
        work += steps;
        checkDeadline();
    }

    /** The time limit covers CPU as well as DNS waits: past it, temperror (RFC 7208 §4.6.4). */
    private void checkDeadline() {
        if (nanoTime.getAsLong() - deadline >= 0) {
            throw new Abort(SpfVerdict.TEMPERROR, "the check took longer than its time limit of "
                + options.timeLimit().toMillis() + " ms (RFC 7208 §4.6.4)");
        }
    }

    private String macroValue(char letter, String domain, String validatedName) {
        return switch (letter) {
            case 's' -> sender;
            case 'l' -> localPart;
            case 'o' -> senderDomain;
            case 'd' -> domain;
            case 'i' -> IpLiteral.dotted(client);
            case 'p' -> validatedName;
            case 'v' -> ipv4 ? "in-addr" : "ip6";
            case 'h' -> request.helo();
            case 'c' -> IpLiteral.format(client);
            case 'r' -> options.receiver();
            case 't' -> Long.toString(options.clock().instant().getEpochSecond());
            default -> throw new IllegalArgumentException("macro letter " + letter);
        };
    }

    /** {@code %{p}}: a validated name of the client, preferring {@code domain} or a subdomain of it (§7.3). */
    private CompletableFuture<String> validatedName(String domain) {
        if (validatedNames == null) {
            validatedNames = ptrNames(false)
                .thenCompose(names -> validated(names, 0, new ArrayList<>(), false))
                .exceptionally(failure -> List.of());
        }
        return validatedNames.thenApply(names -> {
            for (String name : names) {
                if (name.equalsIgnoreCase(domain)) {
                    return name;
                }
            }
            for (String name : names) {
                if (isSameOrSubdomain(name, domain)) {
                    return name;
                }
            }
            return names.isEmpty() ? "unknown" : names.get(0);
        });
    }

    // ---- explanation (RFC 7208 §6.2) ----

    /** The exp= text of the deciding record, or the default; any trouble with exp= falls back to the default. */
    private CompletableFuture<String> explanation(HostResult host) {
        MacroString exp = host.record() == null ? null : host.record().explanation();
        // every step inside the chain, so that any failure (the time limit too) falls back to the default
        CompletableFuture<String> custom = exp == null ? done(null) : done(exp)
            .thenCompose(spec -> expandDomain(spec, host.domain()))
            .thenCompose(name -> dns.txt(name, budget))
            .thenCompose(answer -> {
                if (!answer.hasRecords() || answer.values().size() != 1
                    || answer.values().get(0).length() > options.maxRecordLength()) {
                    return done(null);
                }
                try {
                    // past the time limit the explanation falls back to the default: the verdict is already known
                    return expandText(MacroString.parse(answer.values().get(0), MacroString.Use.EXPLANATION), host.domain(),
                        this::charge);
                } catch (SpfSyntaxException e) {
                    return done(null);
                }
            })
            .exceptionally(failure -> null);
        return custom.thenCompose(text -> text != null ? done(text) : defaultExplanation(host.domain()));
    }

    private CompletableFuture<String> defaultExplanation(String domain) {
        try {
            // the administrator's text, bounded by MAX_TEXT: counted, never cut by the time limit
            return expandText(MacroString.parse(options.defaultExplanation(), MacroString.Use.EXPLANATION), domain,
                steps -> work += steps);
        } catch (SpfSyntaxException e) {
            return done(options.defaultExplanation());
        }
    }

    // ---- DNS answers, limits ----

    /** The records of an answer; nothing for NXDOMAIN, NODATA or an unusable name; errors end the check (§5, §4.6.4). */
    private <T> List<T> records(DnsResult<T> answer, String type, String name, boolean countsVoid) {
        switch (answer.kind()) {
            case RECORDS:
                return answer.values();
            case NXDOMAIN:
            case NODATA:
                if (countsVoid && ++voidLookups > options.maxVoidLookups()) {
                    throw permerror("more than " + options.maxVoidLookups() + " lookups found nothing (last: " + type
                        + " " + name + "), the void lookup limit of RFC 7208 §4.6.4");
                }
                return List.of();
            case INVALID_NAME:
                return List.of(); // a name that cannot be asked does not exist (RFC 7208 §4.3, §4.8)
            case TEMPORARY_FAILURE:
                throw new Abort(SpfVerdict.TEMPERROR, type + " lookup of " + name + " failed: " + answer.reason());
            default:
                throw permerror(answer.reason());
        }
    }

    private void countDnsTerm(String term, String domain) {
        if (++dnsTerms > options.maxDnsTerms()) {
            throw permerror("more than " + options.maxDnsTerms() + " mechanisms and redirects that query DNS (at '"
                + MacroString.printable(term) + "' in " + domain + "), the limit of RFC 7208 §4.6.4");
        }
    }

    private static Abort permerror(String reason) {
        return new Abort(SpfVerdict.PERMERROR, reason);
    }

    /** Why {@code domain} cannot be checked (§4.3), or null when it can. */
    static String domainProblem(String domain) {
        String name = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > 253) {
            return "is longer than 253 characters";
        }
        if (name.startsWith("[")) {
            return "is an address literal, not a domain";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "holds a character not allowed in a domain name";
            }
        }
        String[] labels = name.split("\\.", -1);
        if (labels.length < 2) {
            return "is not a fully qualified domain name";
        }
        for (String label : labels) {
            if (label.isEmpty()) {
                return "has an empty label";
            }
            if (label.length() > 63) {
                return "has a label longer than 63 characters";
            }
        }
        if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "ends in a numeric label: an address, not a domain";
        }
        return null;
    }

    private static boolean isSameOrSubdomain(String name, String domain) {
        String n = name.toLowerCase(Locale.ROOT);
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return n.equals(d) || n.endsWith("." + d);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
