package dev.postino.core.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.SmtpPhase;

/**
 * Delivers one message to its recipients at one domain: finds the {@link MxRoute}, then tries its hosts in order
 * with the {@link SmtpClient} until one gives each recipient an answer of its own. When every host fails before
 * that, the last host's failure is every recipient's outcome; when none of several hosts replied at all, its text
 * says what each did ({@code no answer from any MX host of example.com: ...}). Thread-safe; it never throws for
 * anything DNS or a remote server does.
 */
public final class SmtpDelivery {

    /**
     * The outcome of one attempt at one domain.
     *
     * @param outcomes   one per recipient, in the message's order
     * @param dsnOffered whether the host that took the message offered DSN (else a success is only {@code relayed})
     */
    public record DomainAttempt(List<AttemptOutcome> outcomes, boolean dsnOffered, AttemptTrace trace) {
        /** An attempt whose trace is not known (the delivery log takes it as taking no time). */
        public DomainAttempt(List<AttemptOutcome> outcomes, boolean dsnOffered) {
            this(outcomes, dsnOffered, null);
        }
    }

    /** Past this many characters the other hosts are only counted. */
    private static final int MAX_SUMMARY = 1500;

    private final DnsClient dns;
    private final DeliveryOptions options;
    private final SmtpClient client;
    private final Clock clock;
    private final RandomGenerator random;
    private final TransportSecurity security;

    public SmtpDelivery(DnsClient dns, DeliveryOptions options, Clock clock, RandomGenerator random) {
        this(dns, options, clock, random, TransportSecurity.NONE);
    }

    /** With {@code security} (MTA-STS) deciding, per domain, which MX hosts may be used and what TLS they need. */
    public SmtpDelivery(DnsClient dns, DeliveryOptions options, Clock clock, RandomGenerator random,
                        TransportSecurity security) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.security = Objects.requireNonNull(security, "security");
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
        java.time.Instant started = clock.instant();
        List<AttemptOutcome> refused = SmtpClient.envelopeRefusals(message, clock.instant());
        if (refused.stream().allMatch(java.util.Objects::nonNull)) {
            // Nothing can be sent: no DNS, no connection.
            return new DomainAttempt(refused, false, AttemptTrace.withoutSession(started, clock.instant()));
        }
        MxRoute route = MxRoute.resolve(dns, domain, options, random, clock.instant());
        if (route.failure() != null) {
            List<AttemptOutcome> outcomes = new java.util.ArrayList<>(refused);
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i) == null) {
                    outcomes.set(i, route.failure().forRecipient(message.recipients().get(i).address()));
                }
            }
            return new DomainAttempt(outcomes, false, AttemptTrace.withoutSession(started, clock.instant()));
        }
        TransportSecurity.DomainSecurity policy = options.smarthost() == null ? security.forDomain(domain)
            : TransportSecurity.DomainSecurity.NONE;
        boolean requireTls = options.tlsRequiredFor(domain) || policy.requiresVerifiedTls();
        SmtpClient.HostAttempt attempt = null;
        List<AttemptOutcome> hostFailures = new ArrayList<>();
        for (SmtpClient.RemoteHost host : route.hosts()) {
            attempt = attempt(policy, host, message, requireTls);
            if (!attempt.tryNextHost()) {
                break;
            }
            hostFailures.add(attempt.outcomes().get(0));
        }
        List<AttemptOutcome> outcomes = attempt.outcomes();
        AttemptOutcome last = outcomes.get(0);
        if (attempt.tryNextHost() && hostFailures.size() > 1 && last.code() == 0) {
            // Every host failed without a reply: the notification names them all, not only the last one tried.
            String summary = everyHostFailed(domain, hostFailures);
            outcomes = outcomes.stream().map(o -> o.withText(summary)).toList();
        }
        return new DomainAttempt(outcomes, attempt.dsnOffered(), attempt.trace() == null
            ? AttemptTrace.withoutSession(started, clock.instant()) : attempt.trace().within(started, clock.instant()));
    }

    /** One session with {@code host}, as {@code policy} and {@code requireTls} say (see {@link TransportSecurity}). */
    private SmtpClient.HostAttempt attempt(TransportSecurity.DomainSecurity policy, SmtpClient.RemoteHost host,
                                           OutboundMessage message, boolean requireTls) {
        if (policy == TransportSecurity.DomainSecurity.NONE) {
            return client.deliver(host, message, requireTls, options.smarthost());
        }
        String refusal = policy.refusal(host);
        if (refusal != null) {
            AttemptOutcome refused = AttemptOutcome.temporary("", FailureClass.TLS, SmtpClient.TLS_FAILED, refusal,
                host.label(), SmtpPhase.CONNECT, clock.instant());
            return new SmtpClient.HostAttempt(message.recipients().stream().map(r -> refused.forRecipient(r.address()))
                .toList(), true, false);
        }
        if (!requireTls && policy.probesVerifiedTls()) {
            SmtpClient.HostAttempt probe = client.deliver(host, message, true, null);
            policy.sessionEnded(host, probe, true);
            AttemptOutcome first = probe.outcomes().get(0);
            if (!probe.tryNextHost() || first.failureClass() != FailureClass.TLS) {
                return probe;
            }
            // Testing mode: the failure is reported, and the mail goes as it would without the policy.
            return client.deliver(host, message, false, null);
        }
        SmtpClient.HostAttempt attempt = client.deliver(host, message, requireTls, null);
        policy.sessionEnded(host, attempt, requireTls);
        String prefix = policy.failurePrefix();
        if (!prefix.isEmpty() && attempt.tryNextHost() && attempt.outcomes().get(0).failureClass() == FailureClass.TLS) {
            return new SmtpClient.HostAttempt(attempt.outcomes().stream().map(o -> o.withText(prefix + o.text())).toList(),
                true, attempt.dsnOffered(), attempt.trace(), attempt.tlsActive());
        }
        return attempt;
    }

    /**
     * {@code no answer from any MX host of example.com: connection refused by mx1.example.com [192.0.2.1]:25; ...}:
     * what each host did, in the order tried.
     */
    private String everyHostFailed(String domain, List<AttemptOutcome> failures) {
        boolean noAnswer = failures.stream().allMatch(f -> f.code() == 0 && (f.failureClass() == FailureClass.REFUSED
            || f.failureClass() == FailureClass.TIMEOUT && (f.phase() == SmtpPhase.CONNECT || f.phase() == SmtpPhase.GREETING)));
        String hosts = options.smarthost() != null ? "address of the smarthost " + options.smarthost().host()
            : "MX host of " + domain;
        StringBuilder text = new StringBuilder(noAnswer ? "no answer from any " : "no delivery through any ").append(hosts)
            .append(": ");
        for (int i = 0; i < failures.size(); i++) {
            if (text.length() > MAX_SUMMARY) {
                // maxHosts may be 100: the record kept on the mail stays small
                text.append("; and ").append(failures.size() - i).append(" more");
                break;
            }
            AttemptOutcome failure = failures.get(i);
            String name = failure.remoteHost().contains(" [") ? failure.remoteHost().substring(0, failure.remoteHost().indexOf(" ["))
                : failure.remoteHost();
            text.append(i == 0 ? "" : "; ")
                .append(failure.diagnostic().contains(name) ? "" : failure.remoteHost() + ": ").append(failure.diagnostic());
        }
        return text.toString();
    }
}
