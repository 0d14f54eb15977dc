package dev.postino.james.mailets;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfOptions;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Checks SPF (RFC 7208) for the SMTP client's address, the MAIL FROM identity (with a null reverse-path:
 * {@code postmaster@} the HELO name) and the HELO identity, concurrently, and leaves the verdicts on the
 * mail for matchers such as {@code SpfResultIs}. It never rejects, drops or bounces: routing is the
 * matchers' job, and a bounce to a forged sender would be backscatter.
 *
 * <p>Each verdict has one writer: when an earlier step already checked SPF (the SMTP-time {@code DmarcRejectHook},
 * or {@code AuthenticationCheck} earlier in the chain: {@code postino.spf.result} is present), it checks nothing
 * again and changes no attribute; it only adds the {@code Received-SPF} field that step rendered
 * ({@code postino.spf.received}). The hook leaves the field to this mailet because it runs before the mailets
 * that remove forged fields ({@code RemoveForgedVerdicts}), which would take ours for one.
 *
 * <p>Attributes written (String values):
 * <ul>
 *   <li>{@code postino.spf.result}: the MAIL FROM verdict, {@code none neutral pass fail softfail temperror
 *       permerror}, or {@code skipped} for mail from a trusted network or an authenticated sender, or
 *       {@code none} when the mail has no usable client address (e.g. created locally)</li>
 *   <li>{@code postino.spf.domain}: the domain whose policy was checked</li>
 *   <li>{@code postino.spf.explanation}: for {@code fail}, the domain's explanation; else empty</li>
 *   <li>{@code postino.spf.reason}: a short human reason (why it was skipped, which term decided, what failed)</li>
 *   <li>{@code postino.spf.helo.result}: the HELO verdict (same words; {@code none} without a HELO name)</li>
 * </ul>
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code addHeader}: add a {@code Received-SPF} field (RFC 7208 §9.1) with the MAIL FROM verdict
 *       (default {@code true}); every value in it is quoted, so no sender input can add a field or a key, cut
 *       at 400 characters, and the field is folded so that no line passes 998 octets</li>
 *   <li>{@code receiver}: this host's name, in the header (default: the local host name)</li>
 *   <li>{@code trustedNetworks}: CIDR list whose mail is skipped (default {@code 127.0.0.0/8, ::1/128};
 *       empty or {@code none}: none). Mail from SMTP-authenticated users is always skipped.</li>
 *   <li>{@code timeBudget}: the most time one evaluation may take (default {@code 20s}, RFC 7208 §4.6.4);
 *       past it: {@code temperror}</li>
 *   <li>{@code dnsServers}, {@code dnsQueryTimeout}, {@code dnsRetries}, {@code dnsCacheSize}: the DNS client
 *       (see the README)</li>
 *   <li>{@code dnsMaxInFlight}, {@code dnsMaxInFlightPerZone}, {@code dnsMaxWaitingPerZone},
 *       {@code dnsMaxInFlightPerCheck}, {@code dnsZoneTimeouts}, {@code dnsZoneTimeoutWindow}, {@code dnsZoneBackoff},
 *       {@code dnsZoneMaxBackoff}: the DNS client's limits (defaults: {@link MailetParameters#dnsConfig()}; the README)</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.SpfCheck"/>}</pre>
 */
public class SpfCheck extends GenericMailet {

    static final String HEADER = "Received-SPF";

    private static final Logger LOGGER = LoggerFactory.getLogger(SpfCheck.class);

    private DnsClient dns;
    private SpfEvaluator evaluator;
    private TrustedSources trusted;
    private boolean addHeader;
    private String receiver;

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(),
            MailetParameters.withDns("addHeader", "receiver", TrustedSources.PARAMETER, "timeBudget"));
        addHeader = parameters.bool("addHeader", true);
        receiver = parameters.string("receiver", LocalHostName.get());
        trusted = TrustedSources.read(parameters);
        Duration timeBudget = parameters.duration("timeBudget", Duration.ofSeconds(20));
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        evaluator = new SpfEvaluator(dns, SpfOptions.defaults().withTimeLimit(timeBudget).withReceiver(receiver));
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (AuthenticationAttributes.read(mail, AuthenticationAttributes.SPF_RESULT).isPresent()) {
            Optional<String> rendered = AuthenticationAttributes.read(mail, AuthenticationAttributes.SPF_RECEIVED);
            if (addHeader && rendered.isPresent()) {
                mail.getMessage().addHeader(HEADER, rendered.get());
                mail.getMessage().saveChanges();
            }
            return;
        }
        Optional<String> skip = trusted.skipReason(mail);
        Optional<InetAddress> client = IpLiteral.tryParse(mail.getRemoteAddr());
        if (skip.isPresent() || client.isEmpty()) {
            String verdict = skip.isPresent() ? "skipped" : "none";
            write(mail, verdict, "", "", skip.orElse("no usable client address"), verdict);
            return;
        }
        String helo = helo(mail);
        String mailFrom = mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("");
        SpfResult result;
        String heloVerdict;
        try {
            CompletableFuture<SpfResult> fromCheck = evaluator.evaluate(SpfRequest.mailFrom(client.get(), mailFrom, helo));
            CompletableFuture<String> heloCheck = helo.isEmpty()
                ? CompletableFuture.completedFuture("none")
                : evaluator.evaluate(SpfRequest.helo(client.get(), helo)).thenApply(r -> r.verdict().keyword());
            result = fromCheck.join();
            heloVerdict = heloCheck.join();
        } catch (RuntimeException unexpected) {
            // Never lose a mail over a check: report it as a temporary error.
            LOGGER.warn("SPF check of {} from {} failed", mailFrom, mail.getRemoteAddr(), unexpected);
            write(mail, "temperror", "", "", "internal error: " + unexpected, "temperror");
            return;
        }
        write(mail, result.verdict().keyword(), result.domain(), result.explanation(), result.reason(), heloVerdict);
        if (addHeader) {
            // javax.mail writes the value as given: folded here, so no line passes 998 octets
            mail.getMessage().addHeader(HEADER, result.foldedReceivedSpfHeaderValue(receiver));
            mail.getMessage().saveChanges();
        }
    }

    /** The HELO/EHLO name James recorded, else the client's host name as James saw it. */
    private static String helo(Mail mail) {
        return AuthenticationAttributes.read(mail, Mail.SMTP_HELO).orElse(mail.getRemoteHost() == null ? "" : mail.getRemoteHost());
    }

    private static void write(Mail mail, String verdict, String domain, String explanation, String reason, String heloVerdict) {
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_RESULT, verdict);
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_DOMAIN, domain);
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_EXPLANATION, explanation);
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_REASON, reason);
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_HELO_RESULT, heloVerdict);
    }

    @Override
    public void destroy() {
        if (dns != null) {
            SharedDnsClients.release(dns);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino SPF (RFC 7208) check";
    }
}
