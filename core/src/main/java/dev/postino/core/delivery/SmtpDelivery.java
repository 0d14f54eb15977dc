package dev.postino.core.delivery;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

import dev.postino.core.dns.DnsClient;

/**
 * Delivers one message to its recipients at one domain: finds the {@link MxRoute}, then tries its hosts in order
 * with the {@link SmtpClient} until one gives each recipient an answer of its own. When every host fails before
 * that, the last host's failure is every recipient's outcome. Thread-safe; it never throws for anything DNS or a
 * remote server does.
 */
public final class SmtpDelivery {

    /**
     * The outcome of one attempt at one domain.
     *
     * @param outcomes   one per recipient, in the message's order
     * @param dsnOffered whether the host that took the message offered DSN (else a success is only {@code relayed})
     */
    public record DomainAttempt(List<AttemptOutcome> outcomes, boolean dsnOffered) {
    }

    private final DnsClient dns;
    private final DeliveryOptions options;
    private final SmtpClient client;
    private final Clock clock;
    private final RandomGenerator random;

    public SmtpDelivery(DnsClient dns, DeliveryOptions options, Clock clock, RandomGenerator random) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.client = new SmtpClient(options, clock);
    }

    public DeliveryOptions options() {
        return options;
    }

    /**
     * One attempt to deliver {@code message} to its recipients, who are all at {@code domain}.
     *
     * @throws java.io.UncheckedIOException when the message itself cannot be read (see {@link SmtpClient#deliver})
     */
    public DomainAttempt deliver(String domain, OutboundMessage message) {
        List<AttemptOutcome> refused = SmtpClient.envelopeRefusals(message, clock.instant());
        if (refused.stream().allMatch(java.util.Objects::nonNull)) {
            // Nothing can be sent: no DNS, no connection.
            return new DomainAttempt(refused, false);
        }
        MxRoute route = MxRoute.resolve(dns, domain, options, random, clock.instant());
        if (route.failure() != null) {
            List<AttemptOutcome> outcomes = new java.util.ArrayList<>(refused);
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i) == null) {
                    outcomes.set(i, route.failure().forRecipient(message.recipients().get(i).address()));
                }
            }
            return new DomainAttempt(outcomes, false);
        }
        boolean requireTls = options.tlsRequiredFor(domain);
        SmtpClient.HostAttempt attempt = null;
        for (SmtpClient.RemoteHost host : route.hosts()) {
            attempt = client.deliver(host, message, requireTls, options.smarthost());
            if (!attempt.tryNextHost()) {
                break;
            }
        }
        return new DomainAttempt(attempt.outcomes(), attempt.dsnOffered());
    }
}
