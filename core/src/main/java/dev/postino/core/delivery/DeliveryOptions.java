package dev.postino.core.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLContext;

import dev.postino.core.retry.DomainPattern;

/**
 * How remote delivery connects and speaks.
 *
 * @param heloName         the name in EHLO/HELO
 * @param port             the port of every MX host (25; tests point it at a local server)
 * @param smarthost        a relay that takes all mail instead of the MX hosts, or null
 * @param requireTls       recipient domains for which STARTTLS is required (and the certificate verified); for all
 *                         others STARTTLS is opportunistic: used when offered, certificate not checked (RFC 7435)
 * @param timeouts         per phase
 * @param maxHosts         how many MX hosts (addresses) are tried per attempt, as Postfix's
 *                         {@code smtp_mx_address_limit} (default 5)
 * @param dnsTimeBudget    the most time the MX and address lookups of one attempt may take
 * @param verifiedTls      the context for required TLS, whose trust managers verify the server's certificate
 *                         (default: the JVM's)
 */
public record DeliveryOptions(String heloName, int port, Smarthost smarthost, List<DomainPattern> requireTls,
                              SmtpTimeouts timeouts, int maxHosts, Duration dnsTimeBudget, SSLContext verifiedTls) {

    public DeliveryOptions {
        Objects.requireNonNull(heloName, "heloName");
        requireTls = List.copyOf(requireTls);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(dnsTimeBudget, "dnsTimeBudget");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port);
        }
        if (maxHosts < 1) {
            throw new IllegalArgumentException("maxHosts must be at least 1, was " + maxHosts);
        }
    }

    /** Port 25, no smarthost, opportunistic TLS everywhere, RFC 5321 timeouts, 5 hosts, 30s of DNS. */
    public static DeliveryOptions defaults(String heloName) {
        return new DeliveryOptions(heloName, 25, null, List.of(), SmtpTimeouts.DEFAULTS, 5, Duration.ofSeconds(30), null);
    }

    public DeliveryOptions withPort(int newPort) {
        return new DeliveryOptions(heloName, newPort, smarthost, requireTls, timeouts, maxHosts, dnsTimeBudget, verifiedTls);
    }

    public DeliveryOptions withSmarthost(Smarthost relay) {
        return new DeliveryOptions(heloName, port, relay, requireTls, timeouts, maxHosts, dnsTimeBudget, verifiedTls);
    }

    public DeliveryOptions withRequireTls(List<DomainPattern> domains) {
        return new DeliveryOptions(heloName, port, smarthost, domains, timeouts, maxHosts, dnsTimeBudget, verifiedTls);
    }

    public DeliveryOptions withTimeouts(SmtpTimeouts newTimeouts) {
        return new DeliveryOptions(heloName, port, smarthost, requireTls, newTimeouts, maxHosts, dnsTimeBudget, verifiedTls);
    }

    public DeliveryOptions withMaxHosts(int hosts) {
        return new DeliveryOptions(heloName, port, smarthost, requireTls, timeouts, hosts, dnsTimeBudget, verifiedTls);
    }

    public DeliveryOptions withVerifiedTls(SSLContext context) {
        return new DeliveryOptions(heloName, port, smarthost, requireTls, timeouts, maxHosts, dnsTimeBudget, context);
    }

    /** Whether mail to {@code domain} must go over TLS. */
    public boolean tlsRequiredFor(String domain) {
        return requireTls.stream().anyMatch(p -> p.matches(domain));
    }
}
