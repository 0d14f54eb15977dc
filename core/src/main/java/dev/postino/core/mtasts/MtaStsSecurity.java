package dev.postino.core.mtasts;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.SmtpClient;
import dev.postino.core.delivery.TransportSecurity;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.tlsrpt.TlsPolicyKey;
import dev.postino.core.tlsrpt.TlsReportStore;
import dev.postino.core.tlsrpt.TlsResultType;

/**
 * MTA-STS (RFC 8461 section 5) for delivery, with the counts TLS reports need (RFC 8460):
 * <ul>
 *   <li>{@code enforce} policy (and the domain's level {@link MtaStsSettings.Level#ENFORCE}): only MX hosts the policy
 *       names are used, the others refused as a {@code 4.7.5} temporary failure naming the policy; TLS must verify
 *       against the MX host name, else the attempt is a {@code 4.7.4}/{@code 4.7.5} temporary failure whose text
 *       begins {@code MTA-STS policy of DOMAIN (id ..., enforce):};</li>
 *   <li>{@code testing} policy, or an {@code enforce} one at level {@link MtaStsSettings.Level#TESTING}: verified TLS is
 *       tried first at each host; when it fails the failure is counted and the host tried as without a policy;</li>
 *   <li>{@code none}, no policy, or a discovery failure without a valid cached policy: as without MTA-STS;</li>
 *   <li>level {@link MtaStsSettings.Level#OFF}: no lookup at all.</li>
 * </ul>
 * Sessions are counted per policy domain and UTC day in the {@link TlsReportStore} (when there is one): a success per
 * session that ran over TLS (verified, when a policy applied), a failure per session that did not, with its result
 * type, and a failure per attempt whose policy discovery failed. Thread-safe; never throws.
 */
public final class MtaStsSecurity implements TransportSecurity {

    private final StsPolicyLookup lookup;
    private final MtaStsSettings settings;
    private final TlsReportStore reports;
    private final Clock clock;
    private final BiConsumer<String, String> discoveryProblems;

    /**
     * @param reports where sessions are counted, or null for no TLS reporting
     */
    public MtaStsSecurity(StsPolicyLookup lookup, MtaStsSettings settings, TlsReportStore reports, Clock clock) {
        this(lookup, settings, reports, clock, (domain, problem) -> { });
    }

    /** With {@code discoveryProblems} told (domain, reason) of every failed policy discovery, for the log. */
    public MtaStsSecurity(StsPolicyLookup lookup, MtaStsSettings settings, TlsReportStore reports, Clock clock,
                          BiConsumer<String, String> discoveryProblems) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.reports = reports;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.discoveryProblems = Objects.requireNonNull(discoveryProblems, "discoveryProblems");
    }

    @Override
    public DomainSecurity forDomain(String domain) {
        try {
            MtaStsSettings.Level level = settings.levelFor(domain);
            if (level == MtaStsSettings.Level.OFF) {
                return DomainSecurity.NONE;
            }
            StsPolicyLookup.Discovery discovery = lookup.discover(domain);
            Optional<CachedStsPolicy> policy = discovery.policy();
            TlsPolicyKey key = policy.map(p -> new TlsPolicyKey(TlsPolicyKey.STS, p.domain(), p.policy().lines(),
                p.policy().mx().stream().map(MxPattern::pattern).toList())).orElse(TlsPolicyKey.noPolicy(domain.toLowerCase(java.util.Locale.ROOT)));
            if (discovery.failure() != null) {
                count(key, discovery.failure(), "", "");
                discoveryProblems.accept(domain, discovery.failure().label() + ": " + discovery.reason());
            }
            StsMode mode = discovery.mode();
            if (mode == StsMode.ENFORCE && level == MtaStsSettings.Level.TESTING) {
                mode = StsMode.TESTING;
            }
            return new Domain(domain, key, policy.orElse(null), mode);
        } catch (RuntimeException e) {
            return DomainSecurity.NONE; // MTA-STS must never stop delivery by a bug of its own: as without a policy
        }
    }

    private void count(TlsPolicyKey key, TlsResultType failure, String mx, String ip) {
        if (reports == null) {
            return;
        }
        try {
            reports.count(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), key, failure, mx, ip);
        } catch (RuntimeException e) {
            // a failing store loses a count, never a delivery
        }
    }

    /** The RFC 8460 type of a session that ended without the TLS it needed, or null when TLS was as required. */
    static TlsResultType failureOf(SmtpClient.HostAttempt attempt) {
        AttemptOutcome first = attempt.outcomes().get(0);
        if (first.failureClass() == FailureClass.TLS) {
            String text = first.text();
            if (text.contains("does not offer STARTTLS") || text.contains("STARTTLS refused")) {
                return TlsResultType.STARTTLS_NOT_SUPPORTED;
            }
            if (text.contains("certificate does not name")) {
                return TlsResultType.CERTIFICATE_HOST_MISMATCH;
            }
            if (text.contains("certificate not valid now")) {
                return TlsResultType.CERTIFICATE_EXPIRED;
            }
            if (text.contains("certificate not trusted")) {
                return TlsResultType.CERTIFICATE_NOT_TRUSTED;
            }
            return TlsResultType.VALIDATION_FAILURE;
        }
        return attempt.tlsActive() ? null : TlsResultType.STARTTLS_NOT_SUPPORTED;
    }

    /** Whether a session got far enough to say anything about TLS (not a refused connection or a refused greeting). */
    private static boolean reachedTls(SmtpClient.HostAttempt attempt) {
        AttemptOutcome first = attempt.outcomes().get(0);
        if (attempt.tlsActive() || first.failureClass() == FailureClass.TLS) {
            return true;
        }
        SmtpPhase phase = first.phase();
        return phase != SmtpPhase.CONNECT && phase != SmtpPhase.GREETING && phase != SmtpPhase.EHLO;
    }

    private final class Domain implements DomainSecurity {
        private final String domain;
        private final TlsPolicyKey key;
        private final CachedStsPolicy policy;
        private final StsMode mode;

        Domain(String domain, TlsPolicyKey key, CachedStsPolicy policy, StsMode mode) {
            this.domain = domain;
            this.key = key;
            this.policy = policy;
            this.mode = mode;
        }

        private String describe() {
            return "MTA-STS policy of " + domain + " (id " + policy.id() + ", " + mode.label() + ")";
        }

        @Override
        public String refusal(SmtpClient.RemoteHost host) {
            if (policy == null || mode == StsMode.NONE || policy.policy().allows(host.name())) {
                return null;
            }
            count(key, TlsResultType.VALIDATION_FAILURE, host.name(), host.address().getHostAddress());
            if (mode != StsMode.ENFORCE) {
                return null; // testing: reported, and used all the same
            }
            return describe() + ": " + host.name() + " is not among its MX hosts ("
                + String.join(", ", policy.policy().mx().stream().map(MxPattern::pattern).toList()) + ")";
        }

        @Override
        public boolean requiresVerifiedTls() {
            return policy != null && mode == StsMode.ENFORCE;
        }

        @Override
        public boolean probesVerifiedTls() {
            return policy != null && mode == StsMode.TESTING;
        }

        @Override
        public String failurePrefix() {
            return requiresVerifiedTls() ? describe() + ": " : "";
        }

        @Override
        public void sessionEnded(SmtpClient.RemoteHost host, SmtpClient.HostAttempt attempt, boolean verified) {
            if (attempt.outcomes().isEmpty() || !reachedTls(attempt)) {
                return;
            }
            TlsResultType failure = failureOf(attempt);
            count(key, failure, failure == null ? "" : host.name(), failure == null ? "" : host.address().getHostAddress());
        }
    }

}
