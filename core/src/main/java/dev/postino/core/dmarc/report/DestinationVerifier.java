package dev.postino.core.dmarc.report;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import com.google.common.net.InternetDomainName;

import dev.postino.core.dmarc.DmarcRecord;
import dev.postino.core.dmarc.PublicSuffixOrganizationalDomain;
import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;

/**
 * RFC 9990 §4 "Verifying External Destinations": a destination outside the policy domain's Organizational Domain
 * gets reports only when {@code <policy-domain>._report._dmarc.<destination-host>} holds a TXT record starting with
 * {@code v=DMARC1}. Such a record may name other URIs ({@code rua=}) on the same host, which then replace the
 * original; a URI on another host refuses both. Organizational Domains come from the Public Suffix List (a name
 * under a suffix the list does not know counts its last two labels). Thread-safe.
 */
public final class DestinationVerifier {

    /** What a check concluded. */
    public enum Outcome {
        /** Reports may go to {@link Verification#destinations()}. */
        AUTHORIZED,
        /** No report may go there. */
        REFUSED,
        /** DNS did not answer: ask again on the next run. */
        TEMPORARY
    }

    /**
     * The conclusion for one {@code rua} destination.
     *
     * @param outcome      authorized, refused or temporary
     * @param destinations where to send when authorized (the original, or the verifying record's override)
     * @param reason       why, for the log
     */
    public record Verification(Outcome outcome, List<ReportDestination> destinations, String reason) {
        public Verification {
            destinations = List.copyOf(destinations);
        }
    }

    private final DnsClient dns;
    private final Duration timeout;

    public DestinationVerifier(DnsClient dns, Duration timeout) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Whether reports about {@code policyDomain} may go to {@code destination}. The future always completes normally. */
    public CompletableFuture<Verification> verify(String policyDomain, ReportDestination destination) {
        String domain = policyDomain.toLowerCase(Locale.ROOT);
        if (organizationalDomain(domain).equals(organizationalDomain(destination.host()))) {
            return CompletableFuture.completedFuture(new Verification(Outcome.AUTHORIZED, List.of(destination),
                "same organizational domain"));
        }
        String name = domain + "._report._dmarc." + destination.host();
        if (name.length() > 253) {
            return CompletableFuture.completedFuture(new Verification(Outcome.REFUSED, List.of(),
                name + " exceeds DNS limits"));
        }
        try {
            return dns.txt(name, DnsBudget.of(2, timeout)).thenApply(answer -> conclude(name, destination, answer))
                .exceptionally(e -> new Verification(Outcome.TEMPORARY, List.of(), name + ": " + e));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Verification(Outcome.TEMPORARY, List.of(), name + ": " + e));
        }
    }

    private static Verification conclude(String name, ReportDestination destination, DnsResult<String> answer) {
        if (answer.kind() == DnsResult.Kind.TEMPORARY_FAILURE || answer.kind() == DnsResult.Kind.QUERY_LIMIT) {
            return new Verification(Outcome.TEMPORARY, List.of(), name + ": " + answer.reason());
        }
        List<String> records = answer.values().stream().filter(DmarcRecord::isDmarcRecord).toList();
        if (records.isEmpty()) {
            return new Verification(Outcome.REFUSED, List.of(), "no v=DMARC1 record at " + name);
        }
        List<ReportDestination> overrides = new ArrayList<>();
        for (String record : records) {
            List<String> rua = DmarcRecord.parse(record).map(DmarcRecord::rua).orElse(List.of());
            for (String uri : rua) {
                ReportDestination override = ReportDestination.parse(uri).orElse(null);
                if (override == null) {
                    continue;
                }
                if (!override.host().equals(destination.host())) {
                    return new Verification(Outcome.REFUSED, List.of(),
                        name + " redirects to another host (" + override.host() + ")");
                }
                overrides.add(override);
            }
        }
        return new Verification(Outcome.AUTHORIZED, overrides.isEmpty() ? List.of(destination) : overrides,
            "verified by " + name);
    }

    /** The Public Suffix List's Organizational Domain; the last two labels under a suffix the list does not know. */
    static String organizationalDomain(String domain) {
        try {
            if (InternetDomainName.from(domain.replace('_', 'u')).isUnderPublicSuffix()) {
                return PublicSuffixOrganizationalDomain.of(domain);
            }
        } catch (IllegalArgumentException | IllegalStateException notAName) {
            return domain;
        }
        String[] labels = domain.split("\\.");
        return labels.length <= 2 ? domain : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }
}
