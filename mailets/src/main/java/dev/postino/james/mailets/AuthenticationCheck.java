package dev.postino.james.mailets;

import javax.mail.MessagingException;

import javax.inject.Inject;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;

import dev.postino.core.log.LogLine;

/**
 * Sender authentication in one step: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 9989, or RFC 7489 in legacy
 * mode) and iprev (RFC 8601 §3), one {@code Authentication-Results} field (RFC 8601) with all four, and the
 * verdicts as mail attributes for matchers such as {@code DmarcDispositionIs}. It never rejects, drops or bounces:
 * routing is the matchers' job.
 *
 * <p>A step reads what the previous step left, and each verdict has one writer: when {@code SpfCheck} already
 * ran ({@code postino.spf.result} holds a verdict) its verdict is used, when {@code DkimVerify} already ran
 * ({@code postino.dkim.signatures} is present) its verdicts are, and when {@code IprevCheck} already ran
 * ({@code postino.iprev.result} is present) its verdict is; whatever is missing runs here, SPF, iprev and DMARC
 * policy discovery first, DKIM while the message streams as received. Put it before any mailet that changes the
 * message. The names and values are those of {@code dev.postino.james.attributes.AuthenticationAttributes}.
 *
 * <p>Every {@code Authentication-Results} field that claims this host's authserv-id is removed first (RFC 8601
 * §5: it can only be forged), also for mail that is skipped. When the SMTP-time {@code DmarcRejectHook} already
 * evaluated the mail ({@code postino.dmarc.result} is present), nothing is done again.
 *
 * <p>Attributes written (String values):
 * <ul>
 *   <li>{@code postino.spf.result}, {@code .domain}, {@code .explanation}, {@code .reason}, {@code .helo.result}:
 *       as {@code SpfCheck} writes them, when SPF runs here</li>
 *   <li>{@code postino.spf.received}: the {@code Received-SPF} field value, for {@code SpfCheck} to add, when
 *       SPF runs here</li>
 *   <li>{@code postino.dkim.result}, {@code postino.dkim.pass.domains}, {@code postino.dkim.signatures}: as
 *       {@code DkimVerify} writes them, when DKIM runs here</li>
 *   <li>{@code postino.iprev.result}, {@code .hostname}, {@code .reason}: as {@code IprevCheck} writes them, when
 *       iprev runs here</li>
 *   <li>{@code postino.dmarc.result}: {@code pass fail none temperror permerror}, or {@code skipped} (trusted
 *       network, authenticated sender, no client address)</li>
 *   <li>{@code postino.dmarc.policy}: the policy that applies, {@code none quarantine reject}</li>
 *   <li>{@code postino.dmarc.disposition}: what to do, {@code none quarantine reject}: the policy when the result
 *       is {@code fail} (one step lower when the record says {@code t=y}); for a From that is not exactly one
 *       mailbox (never {@code pass}) the strictest policy of its domains, at least {@code unusableFromDisposition}
 *       when part of it names no usable domain; else {@code none}</li>
 *   <li>{@code postino.dmarc.domain}: the domain whose record applied (empty without one)</li>
 *   <li>{@code postino.dmarc.header.from}: the Author Domain evaluated</li>
 *   <li>{@code postino.dmarc.reason}: a short human reason</li>
 * </ul>
 *
 * <p>Each evaluation is also written as one JSON line (source IP, header-from, SPF and DKIM identifiers and
 * results, policy, disposition, time) to the logger {@code postino.dmarc.evaluations}, for aggregate reports.
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code authservId}: the authserv-id of the field (default: the local host name)</li>
 *   <li>{@code addHeader}: add the {@code Authentication-Results} field (default {@code true})</li>
 *   <li>{@code dmarcMode}: {@code rfc9989} (DNS Tree Walk, default) or {@code rfc7489} (Public Suffix List)</li>
 *   <li>{@code trustedNetworks}: CIDR list whose mail is skipped (default {@code 127.0.0.0/8, ::1/128}; empty or
 *       {@code none}: none). Mail from SMTP-authenticated users is always skipped.</li>
 *   <li>{@code timeBudget}: the most time each of SPF, the DKIM key lookups, iprev and DMARC may take (default
 *       {@code 20s}); past it: {@code temperror}</li>
 *   <li>{@code unusableFromDisposition}: {@code none}, {@code quarantine} or {@code reject} (default): the
 *       disposition of a mail whose From names an author without a usable domain (no From, no address, an
 *       address literal, a value with no domain in it); where it also names domains, the strictest applies</li>
 *   <li>{@code dnsServers}, {@code dnsQueryTimeout}, {@code dnsRetries}, {@code dnsCacheSize}: the DNS client</li>
 *   <li>{@code authLogFormat}: {@code keyvalue} (default) or {@code json}: the line each mail gets in the
 *       authentication log ({@link AuthenticationLog}, logger {@code postino.auth})</li>
 *   <li>{@code dnsMaxInFlight}, {@code dnsMaxInFlightPerZone}, {@code dnsMaxWaitingPerZone},
 *       {@code dnsMaxInFlightPerCheck}, {@code dnsZoneTimeouts}, {@code dnsZoneTimeoutWindow}, {@code dnsZoneBackoff},
 *       {@code dnsZoneMaxBackoff}: the DNS client's limits (defaults: {@link MailetParameters#dnsConfig()}; the README)</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.AuthenticationCheck"/>}</pre>
 */
public class AuthenticationCheck extends GenericMailet {

    /** The init parameter naming the authentication log's format. */
    public static final String AUTH_LOG_FORMAT = "authLogFormat";

    private SenderAuthentication authentication;
    private final PostinoMetrics metrics;
    private AuthenticationLog log;

    public AuthenticationCheck() {
        this(PostinoMetrics.NONE);
    }

    @Inject
    public AuthenticationCheck(MetricFactory metricFactory) {
        this(new PostinoMetrics(metricFactory, null, null));
    }

    AuthenticationCheck(PostinoMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init() throws MessagingException {
        java.util.List<String> known = new java.util.ArrayList<>(SenderAuthentication.PARAMETERS);
        known.add(AUTH_LOG_FORMAT);
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), MailetParameters.withDns(known.toArray(String[]::new)));
        authentication = new SenderAuthentication(parameters);
        log = new AuthenticationLog(parameters.value(AUTH_LOG_FORMAT, LogLine.Format.KEYVALUE, LogLine.Format::parse), metrics);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        authentication.authenticate(mail);
        log.afterAcceptance(mail);
    }

    @Override
    public void destroy() {
        if (authentication != null) {
            authentication.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino sender authentication: SPF, DKIM, DMARC and Authentication-Results";
    }
}
