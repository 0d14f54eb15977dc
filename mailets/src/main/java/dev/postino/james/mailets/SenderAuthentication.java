package dev.postino.james.mailets;

import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_DISPOSITION;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_DOMAIN;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_HEADER_FROM;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_POLICY;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_REASON;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.IPREV_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_DOMAIN;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_EXPLANATION;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_HELO_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_REASON;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_RECEIVED;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_RESULT;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.authresults.AuthenticationResultsField;
import dev.postino.core.authresults.MessageAuthenticator;
import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcEvaluationSink;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcOptions;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.mime.HeaderSection;
import dev.postino.core.mime.HeaderSectionReader;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfOptions;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.iprev.IprevEvaluator;
import dev.postino.core.iprev.IprevResult;
import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * What {@link AuthenticationCheck} and the SMTP-time {@code dev.postino.james.smtp.DmarcRejectHook} share: one
 * configured SPF + DKIM + DMARC + iprev evaluation of a James {@link Mail}, its attributes (named by
 * {@link AuthenticationAttributes}) and its Authentication-Results field. See {@link AuthenticationCheck} for the
 * attributes and parameters. The From fields and DKIM are read once from the octets James received
 * ({@link HeaderSectionReader}), as {@code postino auth} reads a file, never from javax.mail's parsed headers.
 * Thread-safe.
 */
public final class SenderAuthentication implements AutoCloseable {

    /** The init parameters it reads, besides the dns* ones. */
    public static final java.util.Set<String> PARAMETERS = java.util.Set.of(
        "authservId", "addHeader", "dmarcMode", TrustedSources.PARAMETER, "timeBudget", "unusableFromDisposition");

    private static final Logger LOGGER = LoggerFactory.getLogger(SenderAuthentication.class);

    private final DnsClient dns;
    private final SpfEvaluator spf;
    private final IprevEvaluator iprev;
    private final MessageAuthenticator authenticator;
    private final TrustedSources trusted;
    private final String authservId;
    private final boolean addHeader;
    private final DmarcEvaluationSink log = new LoggingDmarcEvaluationSink();
    private final DmarcEvaluationSink reports = StoreDmarcEvaluationSink.REGISTERED;

    /** Reads the parameters {@link #PARAMETERS} names (plus the dns* ones) and starts a DNS client. */
    public SenderAuthentication(MailetParameters parameters) throws MessagingException {
        authservId = parameters.string("authservId", LocalHostName.get());
        if (authservId.isBlank()) {
            throw parameters.invalid("authservId", authservId, "a host name");
        }
        addHeader = parameters.bool("addHeader", true);
        String mode = parameters.string("dmarcMode", "rfc9989");
        DmarcOptions.Mode dmarcMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "rfc9989" -> DmarcOptions.Mode.RFC9989;
            case "rfc7489" -> DmarcOptions.Mode.RFC7489;
            default -> throw parameters.invalid("dmarcMode", mode, "rfc9989 or rfc7489");
        };
        String unusableFrom = parameters.string("unusableFromDisposition", "reject");
        DmarcPolicy unusableFromDisposition = DmarcPolicy.parse(unusableFrom)
            .orElseThrow(() -> parameters.invalid("unusableFromDisposition", unusableFrom, "none, quarantine or reject"));
        trusted = TrustedSources.read(parameters);
        Duration timeBudget = parameters.duration("timeBudget", Duration.ofSeconds(20));
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        spf = new SpfEvaluator(dns, SpfOptions.defaults().withTimeLimit(timeBudget).withReceiver(authservId));
        iprev = new IprevEvaluator(dns, timeBudget);
        authenticator = new MessageAuthenticator(spf,
            new DkimVerifier(dns, DkimOptions.defaults().withDnsTimeout(timeBudget)),
            new DmarcEvaluator(dns, DmarcOptions.defaults().withMode(dmarcMode).withTimeLimit(timeBudget)
                .withUnusableFromDisposition(unusableFromDisposition)));
    }

    /**
     * Authenticates the mail unless an earlier step already did ({@code postino.dmarc.result} is present): removes
     * forged Authentication-Results fields, evaluates what no earlier step did (SPF, DKIM, iprev, then DMARC),
     * writes the attributes and adds our field. Never throws for anything the sender controls; DNS trouble or an
     * unreadable message gives {@code temperror}.
     *
     * @return the DMARC result written, or empty when the mail was skipped or already authenticated
     */
    public Optional<DmarcResult> authenticate(Mail mail) throws MessagingException {
        return authenticate(mail, IpLiteral.tryParse(mail.getRemoteAddr()));
    }

    /**
     * {@link #authenticate(Mail)} for a mail whose client address is known apart from it (an SMTP hook runs
     * before James sets the mail's remote address).
     */
    public Optional<DmarcResult> authenticate(Mail mail, Optional<InetAddress> client) throws MessagingException {
        if (mail.getAttribute(DMARC_RESULT).isPresent()) {
            return Optional.empty();
        }
        Optional<String> skip = trusted.skipReason(mail, client);
        if (skip.isPresent() || client.isEmpty()) {
            removeForgedFields(mail.getMessage());
            writeDmarc(mail, "skipped", "none", "none", "", "", skip.orElse("no usable client address"));
            mail.getMessage().saveChanges();
            return Optional.empty();
        }
        String helo = helo(mail);
        String mailFrom = mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("");
        SpfResult knownSpf = knownSpf(mail, client.get(), mailFrom, helo);
        List<DkimResult> knownDkim = AuthenticationAttributes.readDkim(mail).orElse(null);
        // iprev too, so that the one Authentication-Results field has it even when the hook writes it at SMTP time
        CompletableFuture<IprevResult> iprevCheck = mail.getAttribute(IPREV_RESULT).isPresent() ? null
            : startIprev(client.get());
        MessageAuthenticator.Outcome outcome;
        try {
            CompletableFuture<String> heloCheck = knownSpf != null || helo.isEmpty()
                ? CompletableFuture.completedFuture("none")
                : spf.evaluate(SpfRequest.helo(client.get(), helo)).thenApply(r -> r.verdict().keyword());
            MimeMessage message = mail.getMessage();
            // the octets James received, read once for the From fields and DKIM: not javax.mail's parsed headers,
            // which end lines where the DKIM reader does not
            outcome = authenticator.authenticate(client.get(), mailFrom, helo, knownSpf, knownDkim,
                () -> openMessage(message));
            if (knownSpf == null) {
                writeSpf(mail, outcome.spf(), heloCheck.join());
            }
        } catch (IOException | MessagingException | RuntimeException unexpected) {
            // Never lose a mail over a check: an unreadable message or an internal error is a temporary error.
            LOGGER.warn("authentication of {} from {} failed", mail.getName(), mail.getRemoteAddr(), unexpected);
            DmarcResult failed = new DmarcResult(DmarcVerdict.TEMPERROR, "", "", DmarcPolicy.NONE, DmarcPolicy.NONE,
                false, false, "", "internal error: " + unexpected.getClass().getSimpleName());
            removeForgedFields(mail.getMessage());
            writeDmarc(mail, "temperror", "none", "none", "", "", failed.reason());
            mail.getMessage().saveChanges();
            return Optional.of(failed);
        }
        // only now: a change to the header fields makes James serialize javax.mail's reading of them instead
        removeForgedFields(mail.getMessage());
        if (knownDkim == null) {
            AuthenticationAttributes.writeDkim(mail, outcome.dkim());
        }
        if (iprevCheck != null) {
            AuthenticationAttributes.writeIprev(mail, iprevCheck.join(), "");
        }
        DmarcResult dmarc = outcome.dmarc();
        DmarcEvaluationRecord record = new DmarcEvaluationRecord(Instant.now(), IpLiteral.format(client.get()),
            outcome.spf(), outcome.dkim(), dmarc, firstRecipientDomain(mail), "", "");
        log.accept(record);
        reports.accept(record);
        writeDmarc(mail, dmarc.verdict().keyword(), dmarc.policy().keyword(), dmarc.disposition().keyword(),
            dmarc.policyDomain(), dmarc.headerFrom(), dmarc.reason());
        if (addHeader) {
            AuthenticationResultsField field = outcome.field(authservId);
            AuthenticationAttributes.iprev(mail).ifPresent(result -> field.iprev(result.verdict().word(),
                IpLiteral.format(client.get()), result.hostname()));
            mail.getMessage().addHeader(AuthenticationResultsField.NAME, field.foldedValue());
        }
        mail.getMessage().saveChanges();
        return Optional.of(dmarc);
    }

    /** The domain of the first RCPT TO, for aggregate reports' envelope_to; empty without recipients. */
    private static String firstRecipientDomain(Mail mail) {
        return mail.getRecipients() == null ? "" : mail.getRecipients().stream().findFirst()
            .map(recipient -> recipient.getDomain().asString()).orElse("");
    }

    private CompletableFuture<IprevResult> startIprev(InetAddress client) {
        try {
            return iprev.evaluate(client).exceptionally(SenderAuthentication::iprevFailed);
        } catch (RuntimeException unexpected) {
            return CompletableFuture.completedFuture(iprevFailed(unexpected));
        }
    }

    private static IprevResult iprevFailed(Throwable failure) {
        LOGGER.warn("iprev check failed", failure);
        return new IprevResult(IprevResult.Verdict.TEMPERROR, "", "internal error: " + failure.getClass().getSimpleName());
    }

    /** Header octets held as ISO-8859-1 chars, read as UTF-8 where they are valid UTF-8 ({@link HeaderSection#text}). */
    static String utf8(String latin1) {
        return HeaderSection.text(latin1);
    }

    /**
     * The header section of the message as every check reads it, from the octets James received (while no
     * header field was changed: after a change, James serializes javax.mail's reading of them).
     */
    public static HeaderSection readHeaderSection(MimeMessage message) throws IOException {
        try (InputStream in = openMessage(message)) {
            return new HeaderSectionReader(in).read(DkimOptions.DEFAULT_MAX_HEADER_BYTES, true);
        }
    }

    private static InputStream openMessage(MimeMessage message) throws IOException {
        try {
            return new MimeMessageInputStream(message);
        } catch (MessagingException e) {
            throw new IOException(e);
        }
    }

    /** RFC 8601 §5: fields claiming our authserv-id did not come from us; the others stay, in their order. */
    private void removeForgedFields(MimeMessage message) throws MessagingException {
        String[] fields = message.getHeader(AuthenticationResultsField.NAME);
        if (fields == null || Arrays.stream(fields).noneMatch(f -> AuthenticationResultsField.claims(f, authservId))) {
            return;
        }
        message.removeHeader(AuthenticationResultsField.NAME);
        for (String field : fields) {
            if (!AuthenticationResultsField.claims(field, authservId)) {
                message.addHeader(AuthenticationResultsField.NAME, field);
            }
        }
    }

    /** SpfCheck's verdict when it ran (and did not skip), else null. */
    private static SpfResult knownSpf(Mail mail, InetAddress client, String mailFrom, String helo) {
        return AuthenticationAttributes.spfVerdict(mail).map(verdict -> new SpfResult(
            SpfRequest.mailFrom(client, mailFrom, helo), verdict, attribute(mail, SPF_EXPLANATION),
            attribute(mail, SPF_DOMAIN), 0, "", attribute(mail, SPF_REASON))).orElse(null);
    }

    private static String attribute(Mail mail, AttributeName name) {
        return AuthenticationAttributes.read(mail, name).orElse("");
    }

    /** The HELO/EHLO name James recorded, else the client's host name as James saw it. */
    private static String helo(Mail mail) {
        return AuthenticationAttributes.read(mail, Mail.SMTP_HELO)
            .orElse(mail.getRemoteHost() == null ? "" : mail.getRemoteHost());
    }

    private void writeSpf(Mail mail, SpfResult result, String heloVerdict) {
        set(mail, SPF_RESULT, result.verdict().keyword());
        set(mail, SPF_DOMAIN, result.domain());
        set(mail, SPF_EXPLANATION, result.explanation());
        set(mail, SPF_REASON, result.reason());
        set(mail, SPF_HELO_RESULT, heloVerdict);
        // SpfCheck writes the field, after the mailets that remove forged ones
        set(mail, SPF_RECEIVED, result.foldedReceivedSpfHeaderValue(authservId));
    }

    private static void writeDmarc(Mail mail, String result, String policy, String disposition, String domain,
                                   String headerFrom, String reason) {
        set(mail, DMARC_RESULT, result);
        set(mail, DMARC_POLICY, policy);
        set(mail, DMARC_DISPOSITION, disposition);
        set(mail, DMARC_DOMAIN, domain);
        set(mail, DMARC_HEADER_FROM, headerFrom);
        set(mail, DMARC_REASON, reason);
    }

    private static void set(Mail mail, AttributeName name, String value) {
        AuthenticationAttributes.write(mail, name, value);
    }

    @Override
    public void close() {
        SharedDnsClients.release(dns);
    }
}
