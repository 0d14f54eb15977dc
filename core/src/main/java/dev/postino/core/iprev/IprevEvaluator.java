package dev.postino.core.iprev;

import java.net.InetAddress;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsRecordType;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.iprev.IprevResult.Verdict;

/**
 * Forward-confirmed reverse DNS, the "iprev" method of RFC 8601 §3 (Postfix's
 * {@code reject_unknown_client_hostname} test): the PTR names of the client address are looked up, at most
 * {@value #MAX_NAMES} of them (as RFC 7208 limits {@code ptr}), and each is looked up forward (A for IPv4,
 * AAAA for IPv6) concurrently; the address passes when one of them maps back to it.
 */
public final class IprevEvaluator {

    /** The most PTR names checked forward, as RFC 7208 §4.6.4 limits its ptr mechanism. */
    public static final int MAX_NAMES = 10;

    private final DnsClient dns;
    private final Duration timeBudget;

    public IprevEvaluator(DnsClient dns, Duration timeBudget) {
        this.dns = dns;
        this.timeBudget = timeBudget;
    }

    public CompletableFuture<IprevResult> evaluate(InetAddress client) {
        DnsBudget budget = DnsBudget.of(MAX_NAMES + 1, timeBudget);
        return dns.ptr(client, budget).thenCompose(ptr -> {
            if (ptr.isTemporaryFailure()) {
                return done(Verdict.TEMPERROR, "", "reverse lookup of " + client.getHostAddress() + ": " + ptr.reason());
            }
            if (!ptr.hasRecords()) {
                return done(Verdict.PERMERROR, "", "no PTR record for " + client.getHostAddress());
            }
            List<String> names = ptr.values().subList(0, Math.min(MAX_NAMES, ptr.values().size()));
            DnsRecordType<InetAddress> type = client instanceof Inet4Address ? DnsRecordType.A : DnsRecordType.AAAA;
            List<CompletableFuture<DnsResult<InetAddress>>> forward = new ArrayList<>();
            for (String name : names) {
                forward.add(dns.lookup(name, type, budget));
            }
            return CompletableFuture.allOf(forward.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> decide(client, names, forward));
        });
    }

    private static IprevResult decide(InetAddress client, List<String> names,
                                      List<CompletableFuture<DnsResult<InetAddress>>> forward) {
        String temporary = null;
        for (int i = 0; i < names.size(); i++) {
            DnsResult<InetAddress> result = forward.get(i).join();
            if (result.values().contains(client)) {
                return new IprevResult(Verdict.PASS, names.get(i), names.get(i) + " maps back to " + client.getHostAddress());
            }
            if (result.isTemporaryFailure() && temporary == null) {
                temporary = names.get(i) + ": " + result.reason();
            }
        }
        if (temporary != null) {
            return new IprevResult(Verdict.TEMPERROR, names.get(0), "forward lookup of " + temporary);
        }
        return new IprevResult(Verdict.FAIL, names.get(0),
            "no name of " + String.join(", ", names) + " maps back to " + client.getHostAddress());
    }

    private static CompletableFuture<IprevResult> done(Verdict verdict, String host, String reason) {
        return CompletableFuture.completedFuture(new IprevResult(verdict, host, reason));
    }
}
